/**
 * A script entry (no npm run needed) that writes the scene data sets:
 *   node dist/src/demo/scenes/main.js edits DIR [--count N] [--first-seed S] [--size PX] [--added-size F]
 *   node dist/src/demo/scenes/main.js inpainting DIR [--count N] [--first-seed S] [--size PX]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { numberOption } from "../../cli/options.js";
import { IceditError, InvalidArgumentError } from "../../errors.js";
import { writeEditDataset } from "./write-edit-dataset.js";
import { writeInpaintingDataset } from "./write-inpainting-dataset.js";

const USAGE =
  "usage: node dist/src/demo/scenes/main.js edits|inpainting DIR [--count N] [--first-seed S] [--size PX] [--added-size F (edits: an added shape's side, of the width)]";

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--${name} must be a non-negative integer, got ${value}`);
  return Number(value);
}

function parsed(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { count: { type: "string" }, "first-seed": { type: "string" }, size: { type: "string" }, "added-size": { type: "string" } },
    });
  } catch (error) {
    // node's parseArgs throws a TypeError (ERR_PARSE_ARGS_*) for unknown or ambiguous options
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InvalidArgumentError(`${why}\n${USAGE}`, { cause: error });
  }
}

/** Runs the command of `args` (the arguments after the script); resolves to what it wrote, in words. */
export async function runSceneData(args: readonly string[]): Promise<string> {
  const { values, positionals } = parsed(args);
  const [what, folder] = positionals;
  if ((what !== "edits" && what !== "inpainting") || folder === undefined || positionals.length !== 2) {
    throw new InvalidArgumentError(USAGE);
  }
  const options = {
    count: integerOption(values.count, "count", 1000),
    firstSeed: integerOption(values["first-seed"], "first-seed", 0),
    size: integerOption(values.size, "size", 128),
  };
  if (what === "edits") {
    const summary = await writeEditDataset(folder, { ...options, addedSize: numberOption("added-size", values["added-size"], undefined) });
    return `wrote ${summary.count} edits (${Object.entries(summary.perKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}) to ${summary.metadata}`;
  }
  if (values["added-size"] !== undefined) throw new InvalidArgumentError(`--added-size is for edits only\n${USAGE}`);
  const { count, file } = await writeInpaintingDataset(folder, options);
  return `wrote ${count} captioned scenes with masks to ${file}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSceneData(process.argv.slice(2)).then(
    (done) => console.log(done),
    (error: unknown) => {
      console.error(error instanceof IceditError ? error.message : error);
      process.exitCode = 1;
    },
  );
}
