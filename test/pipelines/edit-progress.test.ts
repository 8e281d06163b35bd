/** An edit's progress events say where each stage begins, so that no face re-derives the pipeline's order. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { editProgressReporter, type EditProgress } from "../../src/pipelines/edit/progress.js";

it("marks each stage's first event, where its count starts and whether it counts denoising steps", () => {
  const events: EditProgress[] = [];
  const report = editProgressReporter(performance.now(), (p) => events.push(p));
  report({ stage: "early", step: 0, steps: 2 });
  report({ stage: "early", step: 1, steps: 2 });
  report({ stage: "winner", step: 1, steps: 1, winner: 43 });
  report({ stage: "continue", step: 2, steps: 4, from: 2 });
  report({ stage: "continue", step: 3, steps: 4, from: 2 });
  report({ stage: "decode", step: 0, steps: 1 });
  assert.deepEqual(
    events.map((e) => [e.stage, e.step, e.from, e.first, e.denoising]),
    [
      ["early", 0, 0, true, true],
      ["early", 1, 0, false, true],
      ["winner", 1, 0, true, false],
      ["continue", 2, 2, true, true],
      ["continue", 3, 2, false, true],
      ["decode", 0, 0, true, false],
    ],
  );
  assert.equal(events[2]?.winner, 43);
  assert.ok(!("comparison" in (events[0] as object)), "no empty optional fields");
  assert.ok(events.every((e, i) => e.ms >= 0 && (i === 0 || e.ms >= (events[i - 1] as EditProgress).ms)));
});
