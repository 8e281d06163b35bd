/**
 * A script entry that trains a model folder's transformer on captioned scenes and, with
 * --install, writes the trained transformer into the folder:
 *   node dist/src/demo/base/main.js --model DIR --out DIR --steps N [--size PX] [--count N]
 *     [--first-seed S] [--seed S] [--lr X] [--batch B] [--layout square|pair|copy] [--save-every N] [--scratch] [--install]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { IceditError, InvalidArgumentError } from "../../errors.js";
import { installBaseWeights } from "./install-weights.js";
import { SCENE_LAYOUTS, type SceneLayout } from "./scene-dataset.js";
import { DEMO_BASE_LR, trainDemoBase } from "./train-demo-base.js";

const USAGE =
  "usage: node dist/src/demo/base/main.js --model DIR --out DIR --steps N [--size PX] [--count N] [--first-seed S] [--seed S] [--lr X] [--batch B] [--layout square|pair|copy] [--save-every N] [--scratch] [--install]";

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--${name} must be a non-negative number, got ${value}\n${USAGE}`);
  return n;
}

function layoutOption(value: string | undefined): SceneLayout | undefined {
  if (value === undefined) return undefined;
  if (!(SCENE_LAYOUTS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--layout must be one of ${SCENE_LAYOUTS.join(", ")}, got ${value}\n${USAGE}`);
  return value as SceneLayout;
}

export async function runDemoBase(args: readonly string[]): Promise<string> {
  const text = { type: "string" } as const;
  const { values } = parseArgs({
    args: [...args],
    options: {
      model: text,
      out: text,
      steps: text,
      size: text,
      count: text,
      "first-seed": text,
      seed: text,
      lr: text,
      batch: text,
      layout: text,
      "save-every": text,
      scratch: { type: "boolean" },
      install: { type: "boolean" },
    },
  });
  const { model, out } = values;
  if (model === undefined || out === undefined || values.steps === undefined) throw new InvalidArgumentError(USAGE);
  const steps = numberOption(values.steps, "steps", 0);
  const started = performance.now();
  const losses: number[] = [];
  const result = await trainDemoBase({
    model,
    out,
    steps,
    size: numberOption(values.size, "size", 64),
    count: numberOption(values.count, "count", 64),
    firstSeed: numberOption(values["first-seed"], "first-seed", 0),
    seed: numberOption(values.seed, "seed", 0),
    lr: numberOption(values.lr, "lr", DEMO_BASE_LR),
    batch: numberOption(values.batch, "batch", 1),
    saveEvery: numberOption(values["save-every"], "save-every", steps),
    init: values.scratch ? "scratch" : "folder",
    layout: layoutOption(values.layout),
    onEvent: (e) => {
      if (e.kind === "note") console.log(e.message);
      if (e.kind === "step") {
        losses.push(e.loss);
        if (e.step % 10 === 0 || e.step === 1) console.log(`step ${e.step}: loss ${e.loss.toFixed(4)}`);
      }
    },
  });
  const installed = values.install && result.adapterPath ? await installBaseWeights(result.adapterPath, model) : null;
  const secs = ((performance.now() - started) / 1000).toFixed(0);
  return [
    `${losses.length} steps in ${secs} s; loss first ${losses[0]?.toFixed(4)}, last ${losses.at(-1)?.toFixed(4)}`,
    `weights: ${result.adapterPath ?? "(none saved)"}`,
    ...(installed ? [`installed into ${installed}`] : []),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runDemoBase(process.argv.slice(2)).then(
    (summary) => console.log(summary),
    (error: unknown) => {
      console.error(error instanceof IceditError ? error.message : error);
      process.exitCode = 1;
    },
  );
}
