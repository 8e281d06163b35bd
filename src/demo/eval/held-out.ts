/**
 * The held-out edits of the demo world (issue 15, item 5): example i is drawn from seed
 * firstSeed + i with kind EDIT_KINDS[i % 4], as the edit data set draws its examples
 * (scenes/write-edit-dataset.ts), so the kinds are balanced and a training set that starts at
 * seed 0 never meets them as long as it holds fewer than `firstSeed` examples.
 */
import { sampleEditExample, type EditExample } from "../scenes/edit-example.js";
import { EDIT_KINDS, type EditKind } from "../scenes/edits.js";
import { HELD_OUT_FIRST_SEED } from "../scenes/sample-scene.js";
import { EvalDemoOptionError } from "./errors.js";
import type { EvalExample } from "./eval-example.js";

export { HELD_OUT_FIRST_SEED };
export const HELD_OUT_COUNT = 200;

export interface HeldOutOptions {
  readonly count?: number;
  readonly firstSeed?: number;
  /** Canvas side in pixels (default 128). */
  readonly size?: number;
}

/** An EvalExample drawn from a seed, with its Scene objects. */
export interface HeldOutExample extends EvalExample {
  readonly seed: number;
  readonly file: null;
  readonly example: EditExample;
}

/** count examples -> [count] examples, kinds in the order recolour, remove, background, add, repeated. */
export function heldOutExamples(options: HeldOutOptions = {}): HeldOutExample[] {
  const count = options.count ?? HELD_OUT_COUNT;
  const firstSeed = options.firstSeed ?? HELD_OUT_FIRST_SEED;
  if (!Number.isSafeInteger(count) || count < 1) throw new EvalDemoOptionError("count", `takes a whole number >= 1, got ${count}`);
  if (!Number.isSafeInteger(firstSeed) || firstSeed < 0 || firstSeed + count > 2 ** 32)
    throw new EvalDemoOptionError("firstSeed", `takes a whole number >= 0 with firstSeed + count <= 2^32, got ${firstSeed}`);
  const examples: HeldOutExample[] = [];
  for (let index = 0; index < count; index++) {
    const kind = EDIT_KINDS[index % EDIT_KINDS.length] as EditKind;
    const seed = firstSeed + index;
    examples.push({ index, seed, file: null, example: sampleEditExample(seed, kind, { size: options.size }) });
  }
  return examples;
}
