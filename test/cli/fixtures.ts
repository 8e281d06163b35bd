/** Suite fixtures for tests of the command line: the demo model made by `icedit make-demo-model`, and `icedit edit` runs on it. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeImage } from "../../src/image/index.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { type DemoModelFolder, SuiteFolder, sharedFixture, useDemoModel } from "../api/fixtures.js";
import { icedit } from "./test-io.js";

/** A suite folder with a 64x48 input image in `image` and, in `noModel`, the path of a model folder that does not exist. */
export class NoModelFolder extends SuiteFolder {
  get image(): string {
    return join(this.dir, "in.png");
  }

  get noModel(): string {
    return join(this.dir, "no-model");
  }
}

/** The demo model in a suite folder, made by the command (which must exit 0; once per test run, see sharedFixture). */
export function useCliDemoModel(prefix: string): DemoModelFolder {
  return useDemoModel(prefix, (model) =>
    sharedFixture("demo-random-cli", model, async (dir) => {
      const made = await icedit(["make-demo-model", dir, "--random"]);
      assert.equal(made.code, 0, made.err.join("\n"));
    }),
  );
}

/** A suite folder with an input image and no model: for checks that must refuse before the model is looked for. */
export function useNoModelFolder(prefix: string): NoModelFolder {
  const folder = new NoModelFolder(prefix);
  return folder.use(() => writeImage(folder.image, exampleImage(64, 48)));
}

/** The arguments of `icedit edit` on `image` with the model in `model`, then `options`. */
export function editArgs(model: string, image: string, instruction: string, ...options: string[]): string[] {
  return ["edit", "--model", model, "--image", image, "--instruction", instruction, ...options];
}

/** The arguments of `icedit edit` with the model folder's own example image, then `options`. */
export function demoEdit(model: string, instruction: string, ...options: string[]): string[] {
  return editArgs(model, join(model, "example.png"), instruction, ...options);
}

/** Runs `icedit` with `args` and `--json record`, checks it exits 0, and gives its output with the parsed record. */
export async function iceditWithRecord<T>(args: string[], record: string): Promise<{ out: string[]; err: string[]; json: T }> {
  const run = await icedit([...args, "--json", record]);
  assert.equal(run.code, 0, run.err.join("\n"));
  return { out: run.out, err: run.err, json: JSON.parse(await readFile(record, "utf8")) as T };
}

/** Long options from an object: `{ steps: 2, "early-steps": 1 }` gives `["--steps", "2", "--early-steps", "1"]`. */
export function flags(options: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(options).flatMap(([name, value]) => [`--${name}`, String(value)]);
}
