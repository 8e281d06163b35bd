/** Which stage an interval of an edit belongs to, from the progress reports. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StageMemoryRecorder } from "../../src/api/stage-memory.js";
import type { PeakMeter } from "../../src/runtime/peak-rss.js";

/** A meter whose intervals peak at 1, 2, 3, ... bytes, in order. */
function countingMeter(): PeakMeter & { stopped: boolean } {
  let n = 0;
  const meter = {
    method: "sampling" as const,
    stopped: false,
    take: () => ++n,
    stop: () => {
      meter.stopped = true;
    },
  };
  return meter;
}

test("a step-0 report starts its stage; other reports end an interval of their own stage", () => {
  const meter = countingMeter();
  const recorder = new StageMemoryRecorder(meter);
  // The selection's order: "early" and "continue" report their first step when it is done.
  const reports: [string, number][] = [
    ["resize", 0], // 1 -> resize
    ["text", 0], // 2 -> resize
    ["text", 1], // 3 -> text
    ["prepare", 0], // 4 -> text
    ["prepare", 1], // 5 -> prepare
    ["early", 1], // 6 -> early
    ["early", 2], // 7 -> early
    ["preview", 0], // 8 -> early
    ["preview", 3], // 9 -> preview
    ["continue", 3], // 10 -> continue
    ["decode", 1], // 11 -> decode
  ];
  for (const [stage, step] of reports) recorder.report(stage, step);
  const stages = recorder.finish(); // 12 -> decode
  assert.deepEqual(
    stages.map((s) => [s.stage, s.peakRssBytes]),
    [
      ["resize", 2],
      ["text", 4],
      ["prepare", 5],
      ["early", 8],
      ["preview", 9],
      ["continue", 10],
      ["decode", 12],
    ],
  );
  assert.ok(stages.every((s) => s.ms >= 0));
  assert.equal(meter.stopped, true);
  assert.equal(recorder.finish(), stages, "finish() is idempotent");
});
