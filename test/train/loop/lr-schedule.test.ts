import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeSchedule, firstScheduleDifference, lrScale } from "../../../src/train/loop/lr-schedule.js";

describe("lr schedule", () => {
  it("is 1 until the last K steps, then (N - n + 1) / (K + 1) down to 1 / (K + 1)", () => {
    const schedule = { steps: 6, decaySteps: 3 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => lrScale(schedule, n)),
      [1, 1, 1, 3 / 4, 2 / 4, 1 / 4],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => lrScale({ steps: 3, decaySteps: 0 }, n)),
      [1, 1, 1],
    );
    // a decay over the whole run starts below 1 at the first step
    assert.equal(lrScale({ steps: 4, decaySteps: 4 }, 1), 4 / 5);
  });

  it("finds the first step where two schedules disagree, so a constant run can take a decay after its checkpoint", () => {
    const constant = { steps: 6000, decaySteps: 0 };
    // the decay of 8000 steps with 2000 decaying starts at step 6001: steps 1..6000 agree
    assert.equal(firstScheduleDifference(constant, { steps: 8000, decaySteps: 2000 }, 6000), null);
    // with 2001 decaying, step 6000 already runs at 2001/2002
    assert.equal(firstScheduleDifference(constant, { steps: 8000, decaySteps: 2001 }, 6000), 6000);
    assert.equal(firstScheduleDifference({ steps: 10, decaySteps: 5 }, { steps: 12, decaySteps: 5 }, 6), 6);
    assert.equal(firstScheduleDifference({ steps: 10, decaySteps: 5 }, { steps: 12, decaySteps: 5 }, 5), null);
  });

  it("says what the schedule is", () => {
    assert.equal(describeSchedule({ steps: 8, decaySteps: 0 }), "constant lr over 8 steps");
    assert.equal(describeSchedule({ steps: 8, decaySteps: 2 }), "lr decaying linearly over the last 2 of 8 steps");
  });
});
