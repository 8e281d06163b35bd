/**
 * A script entry that edits training-range scenes with a model and writes the pairs a decoder
 * learns its edits from (edit-latents.ts):
 *   node dist/src/demo/edit-latents-main.js --model DIR --out PAIRS.safetensors --first-seed S --count N
 *     [--adapter FILE] [--width W] [--guidance G] [--true-cfg-scale S]
 * PAIRS.safetensors holds "latents" [N, z, h, w] (unscaled: the decoder's input) and "images" [N, 3, 8h, 8w], the input of
 * train-demo-vae-main.js --latents; written whole at the end (nothing is written if a run stops).
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { intOption, numberOption } from "../cli/options.js";
import { InvalidArgumentError } from "../errors.js";
import { writeSafetensors } from "../weights/safetensors/writer.js";
import { collectEditLatents } from "./edit-latents.js";

const USAGE =
  "usage: node dist/src/demo/edit-latents-main.js --model DIR --out PAIRS.safetensors --first-seed S --count N [--adapter FILE] [--width W] [--guidance G] [--true-cfg-scale S]";

export async function runEditLatents(args: readonly string[]): Promise<string> {
  const text = { type: "string" } as const;
  const { values } = parseArgs({
    args: [...args],
    options: {
      model: text,
      out: text,
      "first-seed": text,
      count: text,
      adapter: text,
      width: text,
      guidance: text,
      "true-cfg-scale": text,
    },
  });
  const { model, out } = values;
  if (
    model === undefined ||
    out === undefined ||
    !out.endsWith(".safetensors") ||
    values["first-seed"] === undefined ||
    values.count === undefined
  )
    throw new InvalidArgumentError(USAGE);
  const firstSeed = intOption("first-seed", values["first-seed"], 0, 0);
  const count = intOption("count", values.count, 1, 1);
  const started = performance.now();
  const pairs = await collectEditLatents({
    model,
    loras: values.adapter === undefined ? "auto" : [values.adapter],
    firstSeed,
    count,
    width: numberOption("width", values.width, undefined),
    guidance: numberOption("guidance", values.guidance, undefined),
    trueCfgScale: numberOption("true-cfg-scale", values["true-cfg-scale"], undefined),
    onEdit: (done, total) => {
      if (done % 250 === 0 || done === total) console.log(`${done}/${total} edits, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  });
  await writeSafetensors(
    out,
    new Map([
      ["latents", pairs.latents],
      ["images", pairs.images],
    ]),
    { format: "pt" },
  );
  const seconds = (performance.now() - started) / 1000;
  return `wrote ${count} pairs (latents ${pairs.latents.dims.join("x")}, images ${pairs.images.dims.join("x")}) to ${out} in ${seconds.toFixed(0)} s`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runEditLatents(process.argv.slice(2)).then(
    (summary) => console.log(summary),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
