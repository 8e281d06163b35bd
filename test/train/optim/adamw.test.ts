import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdamW, ADAMW_DEFAULTS } from "../../../src/train/optim/adamw.js";
import {
  GradientMismatchError,
  HyperParameterError,
  NonFiniteGradientError,
  OptimizerStateError,
} from "../../../src/train/optim/errors.js";
import { assertClose, bytes, cloneParams, f32Map } from "./helpers.js";

const F32_RTOL = 2 ** -22;

describe("AdamW", () => {
  test("defaults are torch.optim.AdamW's", () => {
    assert.deepEqual(ADAMW_DEFAULTS, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 });
  });

  test("one step by hand: bias correction makes the first step lr·g/(|g| + eps) after decoupled decay lr·wd·p", () => {
    const p0 = [0.5, -1.5, 2.0, 0.25];
    const g = [0.1, -0.2, 0.0, 1e-8];
    const lr = 0.1;
    const wd = 0.5;
    const params = f32Map({ w: p0 });
    new AdamW(params, { lr, weightDecay: wd }).step(f32Map({ w: g }));
    // m̂ = g, v̂ = g² after one step, so the update is lr·g/(|g| + 1e-8); a zero gradient leaves only the decay;
    // g = 1e-8 shows eps = 1e-8 (half a step; eps 1e-6 would give about 1% of one).
    const expected = p0.map((p, i) => p * (1 - lr * wd) - (lr * g[i]!) / (Math.abs(g[i]!) + 1e-8));
    assertClose(params.get("w")!.data, expected, F32_RTOL, 1e-9, "p");
    assert.ok(Math.abs(params.get("w")!.data[3]! - (0.25 * 0.95 - 0.05)) < 1e-7);
  });

  test("lrScale scales this step's lr only: steps at scale s equal an AdamW with lr·s, bit for bit", () => {
    const start = { w: [0.5, -1.5, 2.0, 0.25] };
    const g = f32Map({ w: [0.1, -0.2, 0.3, -0.4] });
    const scaled = f32Map(start);
    const plain = f32Map(start);
    const a = new AdamW(scaled, { lr: 0.1, weightDecay: 0.5 });
    const b = new AdamW(plain, { lr: 0.025, weightDecay: 0.5 });
    for (let i = 0; i < 3; i++) {
      a.step(g, 0.25);
      b.step(g);
    }
    assert.ok(bytes(scaled).equals(bytes(plain)));
    // the scale is not stored: the next step runs at the full lr again
    assert.equal(a.state().options.lr, 0.1);
  });

  test("a constant gradient moves every step by lr·g/(|g| + eps) (bias-corrected moments equal g and g²)", () => {
    const params = f32Map({ a: [0, 0], b: [1] });
    const opt = new AdamW(params, { lr: 0.01, weightDecay: 0 });
    const grads = f32Map({ a: [0.3, -2], b: [5e-3] });
    for (let i = 0; i < 3; i++) opt.step(grads);
    const move = (g: number): number => (3 * 0.01 * g) / (Math.abs(g) + 1e-8);
    assertClose(params.get("a")!.data, [-move(0.3), -move(-2)], 1e-5, 0, "a");
    assertClose(params.get("b")!.data, [1 - move(5e-3)], 1e-6, 0, "b");
  });

  test("zero gradients: weight decay alone, p·(1 - lr·wd)^n", () => {
    const params = f32Map({ w: [3, -4] });
    const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0.1 });
    for (let i = 0; i < 5; i++) opt.step(f32Map({ w: [0, 0] }));
    assertClose(params.get("w")!.data, [3 * 0.999 ** 5, -4 * 0.999 ** 5], 1e-6, 0, "w");
  });

  test("state round trip: N steps straight equal N/2, save, load into a fresh optimizer, N/2 (same bytes)", () => {
    const start = f32Map({ "x.lora_A.weight": [0.1, -0.2, 0.3], "x.lora_B.weight": [0, 0.5] });
    const gradAt = (s: number) => f32Map({ "x.lora_A.weight": [Math.sin(s), 0.01 * s, -1], "x.lora_B.weight": [Math.cos(3 * s), 1e-3] });
    const straight = cloneParams(start);
    const a = new AdamW(straight, { lr: 0.05 });
    for (let s = 0; s < 6; s++) a.step(gradAt(s));

    const first = cloneParams(start);
    const b = new AdamW(first, { lr: 0.05 });
    for (let s = 0; s < 3; s++) b.step(gradAt(s));
    const checkpoint = { params: cloneParams(first), optimizer: structuredClone(b.state()) };
    b.step(gradAt(99)); // the saved state is a copy: later steps leave it alone
    const loadedParams = checkpoint.params;
    const d = AdamW.fromState(loadedParams, checkpoint.optimizer);
    for (let s = 3; s < 6; s++) d.step(gradAt(s));
    assert.ok(bytes(loadedParams).equals(bytes(straight)));
    assert.deepEqual(d.state(), a.state());
  });

  test("refuses mismatched names and shapes and non-finite gradients, and changes nothing", () => {
    const params = f32Map({ w: [1, 2] });
    const opt = new AdamW(params);
    assert.throws(() => opt.step(f32Map({ v: [0, 0] })), GradientMismatchError);
    assert.throws(() => opt.step(f32Map({ w: [0, 0], extra: [1] })), /extra, which is not a trainable parameter/);
    assert.throws(() => opt.step(f32Map({ w: [0, 0, 0] })), /gradient of w has shape \[3\], the parameter has \[2\]/);
    assert.throws(
      () => opt.step(f32Map({ w: [0, NaN] })),
      (e: unknown) => e instanceof NonFiniteGradientError && e.tensor === "w" && e.index === 1,
    );
    assert.deepEqual([...params.get("w")!.data], [1, 2]);
    assert.deepEqual(opt.state().tensors, {});
  });

  test("refuses bad hyper-parameters with the setting's name", () => {
    const params = f32Map({ w: [1] });
    assert.throws(() => new AdamW(params, { lr: -1 }), /AdamW lr must be a number >= 0, got -1/);
    assert.throws(() => new AdamW(params, { betas: [1, 0.999] }), /AdamW betas\[0\] must be a number in \[0, 1\)/);
    assert.throws(() => new AdamW(params, { eps: NaN }), HyperParameterError);
    assert.throws(() => new AdamW(params, { weightDecay: -0.1 }), /weight_decay/);
  });

  test("refuses a saved state that does not fit", () => {
    const params = f32Map({ w: [1, 2] });
    const opt = new AdamW(params);
    opt.step(f32Map({ w: [1, 1] }));
    const good = opt.state();
    assert.throws(() => AdamW.fromState(f32Map({ v: [1, 2] }), good), /tensor w that is not a trainable parameter/);
    assert.throws(() => AdamW.fromState(f32Map({ w: [1, 2, 3] }), good), OptimizerStateError);
    const prodigyState = { ...good, kind: "prodigy" } as unknown as typeof good;
    assert.throws(() => AdamW.fromState(params, prodigyState), /state is for prodigy, not adamw/);
  });
});
