import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdamW } from "../../../src/train/optim/adamw.js";
import { createOptimizer, optimizerFromState } from "../../../src/train/optim/create.js";
import { HyperParameterError } from "../../../src/train/optim/errors.js";
import { Prodigy } from "../../../src/train/optim/prodigy.js";
import { bytes, cloneParams, f32Map } from "./helpers.js";

describe("createOptimizer", () => {
  test("takes torch-style keyword arguments (ICEdit's Prodigy settings)", () => {
    const opt = createOptimizer("Prodigy", f32Map({ w: [1] }), {
      lr: 1,
      use_bias_correction: true,
      safeguard_warmup: true,
      weight_decay: 0.01,
    });
    assert.ok(opt instanceof Prodigy);
    assert.equal(opt.options.useBiasCorrection, true);
    assert.equal(opt.options.safeguardWarmup, true);
    assert.equal(opt.options.weightDecay, 0.01);
    assert.equal(opt.options.d0, 1e-6);
    const adamw = createOptimizer("adamw", f32Map({ w: [1] }), { lr: 1e-4, betas: [0.9, 0.99], eps: 1e-8, weight_decay: 0 });
    assert.ok(adamw instanceof AdamW);
    assert.deepEqual(adamw.options, { lr: 1e-4, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0 });
  });

  test("refuses unknown optimizers, unknown settings and bad values", () => {
    const params = f32Map({ w: [1] });
    assert.throws(() => createOptimizer("sgd", params), /unknown optimizer 'sgd': use adamw or prodigy/);
    assert.throws(() => createOptimizer("adamw", params, { amsgrad: true }), /unknown AdamW setting 'amsgrad'/);
    assert.throws(() => createOptimizer("prodigy", params, { use_bias_correction: "yes" }), HyperParameterError);
    assert.throws(() => createOptimizer("prodigy", params, { betas: 0.9 }), /betas must be two numbers/);
  });

  test("optimizerFromState resumes the optimizer that saved the state", () => {
    for (const kind of ["adamw", "prodigy"]) {
      const params = f32Map({ w: [0.5, -0.5] });
      const opt = createOptimizer(kind, params, { weight_decay: 0.1 });
      for (let s = 0; s < 3; s++) opt.step(f32Map({ w: [0.3, s] }));
      const copy = cloneParams(params);
      const resumed = optimizerFromState(copy, structuredClone(opt.state()));
      assert.equal(resumed.kind, kind);
      opt.step(f32Map({ w: [1, 1] }));
      resumed.step(f32Map({ w: [1, 1] }));
      assert.ok(bytes(copy).equals(bytes(params)));
    }
  });
});
