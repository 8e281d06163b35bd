/**
 * `--bench demo`: the demo world's held-out edits (src/demo/eval/held-out.ts: seeds never used in
 * training, kinds balanced) as a benchmark with targets, output captions (the edited scene's
 * caption) and the edit kind as the task; each sample carries its example, so its edit is also
 * scored by the demo's pixel rule.
 */
import { captionOf } from "../../demo/scenes/caption.js";
import { heldOutExamples, type HeldOutOptions } from "../../demo/eval/held-out.js";
import type { Bench, BenchSample } from "./bench.js";

export function demoBench(options: HeldOutOptions = {}): Bench {
  const samples: BenchSample[] = heldOutExamples(options).map(({ index, example }) => ({
    id: String(index),
    instruction: example.instruction,
    task: example.kind,
    inputCaption: captionOf(example.scene),
    outputCaption: captionOf(example.edited),
    source: async () => example.source,
    target: async () => example.target,
    demo: example,
  }));
  const first = samples.length > 0 ? options.firstSeed : undefined;
  return {
    kind: "demo",
    description: `the demo world's held-out edits (${samples.length}${first === undefined ? "" : `, first seed ${first}`})`,
    samples,
    skipped: [],
    dropped: [],
    measureAgainstSource: false,
  };
}
