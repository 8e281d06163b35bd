/**
 * Full-parameter training makes a tiny FLUX Fill fit one fixed batch: 20 AdamW steps at lr 1e-3
 * from the seeded demo init cut the loss by more than 70%, and the same seeds give the same
 * losses again, bit for bit.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Engine } from "../../../src/runtime/engine.js";
import { BaseTrainingStep, initialBaseWeights } from "../../../src/train/base/index.js";
import { AdamW } from "../../../src/train/optim/index.js";
import { TINY, tinyInputs } from "../tiny-flux.js";

describe("AdamW on a tiny FLUX Fill, one fixed batch", () => {
  let engine: Engine;
  let step: BaseTrainingStep;
  before(async () => {
    engine = new Engine();
    step = await BaseTrainingStep.open(engine, { params: TINY });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  /** The loss before each of `steps` AdamW updates, then after the last. */
  async function fit(steps: number): Promise<number[]> {
    const x = tinyInputs(21);
    const weights = initialBaseWeights(TINY, 5);
    const optimizer = new AdamW(weights, { lr: 1e-3 });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const { loss, grads } = await step.run(x, weights);
      losses.push(loss);
      optimizer.step(grads);
    }
    losses.push((await step.run(x, weights)).loss);
    return losses;
  }

  test("20 steps at lr 1e-3 cut the loss by more than 70% (measured: 0.642 -> 0.037), deterministically", async () => {
    const losses = await fit(20);
    const [first, last] = [losses[0] as number, losses[losses.length - 1] as number];
    assert.ok(last < 0.3 * first, `loss ${first} -> ${last}`);
    assert.deepEqual(await fit(20), losses);
  });
});
