import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Tensor } from "../../../src/tensor.js";
import { GradientMismatchError, HyperParameterError, NonFiniteGradientError } from "../../../src/train/optim/errors.js";
import { Prodigy, PRODIGY_DEFAULTS, type ProdigyOptions } from "../../../src/train/optim/prodigy.js";
import { assertClose, bytes, cloneParams, f32Map } from "./helpers.js";

const B1 = 0.9;
const B2 = 0.999;
const B3 = Math.sqrt(B2);
const D0 = 1e-6;

/** Gradients of f(p) = ½ c Σ (p - target)² at the current parameters. */
function quadraticGrads(params: ReadonlyMap<string, Tensor<"f32">>, target: number, c = 1): Map<string, Tensor<"f32">> {
  return new Map([...params].map(([name, t]) => [name, { dtype: "f32", dims: [...t.dims], data: t.data.map((p) => c * (p - target)) }]));
}

/** Runs `steps` steps of the quadratic from a fixed start; returns the d after each step and the parameters. */
function descend(options: Partial<ProdigyOptions>, steps: number, c = 1, target = 1): { d: number[]; params: Map<string, Tensor<"f32">> } {
  const params = f32Map({ a: [0.1, -0.3, 0.2, 0.05], b: [0.4, -0.1] });
  const opt = new Prodigy(params, options);
  const d: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.step(quadraticGrads(params, target, c));
    d.push(opt.d);
  }
  return { d, params };
}

const ICEDIT: Partial<ProdigyOptions> = { useBiasCorrection: true, safeguardWarmup: true, weightDecay: 0.01 };

describe("Prodigy", () => {
  test("lrScale scales this step's lr, d's estimate included: steps at scale s equal a Prodigy with lr·s, bit for bit", () => {
    const start = { a: [0.1, -0.3, 0.2, 0.05], b: [0.4, -0.1] };
    const scaled = f32Map(start);
    const plain = f32Map(start);
    const a = new Prodigy(scaled, { ...ICEDIT, lr: 2 });
    const b = new Prodigy(plain, { ...ICEDIT, lr: 1 });
    for (let s = 0; s < 30; s++) {
      a.step(quadraticGrads(scaled, 1), 0.5);
      b.step(quadraticGrads(plain, 1));
    }
    assert.equal(a.d, b.d);
    assert.ok(bytes(scaled).equals(bytes(plain)));
    assert.ok(a.d > D0, "d grew, so the comparison covers its estimate");
  });

  test("defaults are prodigyopt 3efb213's", () => {
    assert.deepEqual(PRODIGY_DEFAULTS, {
      lr: 1.0,
      betas: [0.9, 0.999],
      beta3: null,
      eps: 1e-8,
      weightDecay: 0,
      decouple: true,
      useBiasCorrection: false,
      safeguardWarmup: false,
      d0: 1e-6,
      dCoef: 1.0,
      growthRate: Infinity,
      sliceP: 1,
    });
  });

  test("step 1 leaves d = d0 and moves by d0·lr·bc·(1-b1)g / (sqrt(1-b2)|g| + eps), bc = sqrt(1-b2)/(1-b1)", () => {
    const g = [0.5, -2, 1e-3];
    const params = f32Map({ w: [0, 0, 0] });
    const opt = new Prodigy(params, { useBiasCorrection: true });
    opt.step(f32Map({ w: g }));
    assert.equal(opt.d, D0);
    assert.equal(opt.k, 1);
    const bc = Math.sqrt(1 - B2) / (1 - B1);
    const expected = g.map((gi) => (-D0 * bc * (1 - B1) * gi) / (Math.sqrt(1 - B2) * Math.abs(gi) + 1e-8));
    assertClose(params.get("w")!.data, expected, 1e-6, 0, "w");
  });

  test("step 2 by hand: d = d̂ = d0(1-b1)|g| / ((sqrt(1-b2)|g| + eps)(1 + b3)) for a constant gradient", () => {
    const params = f32Map({ w: [0] });
    const opt = new Prodigy(params);
    opt.step(f32Map({ w: [1] }));
    opt.step(f32Map({ w: [1] }));
    const dHat = (D0 * (1 - B1)) / ((Math.sqrt(1 - B2) + 1e-8) * (1 + B3));
    assert.ok(dHat > D0);
    assertClose([opt.d], [dHat], 1e-6, 0, "d");
    const st = opt.state();
    assertClose([st.dMax], [dHat], 1e-6, 0, "d_max");
    assertClose([st.dNumerator], [(D0 * D0 * (1 - B1)) / (Math.sqrt(1 - B2) + 1e-8)], 1e-6, 0, "d_numerator");
  });

  test("steps 2 and 3 by hand (eps 0.01, so the new d in the denominator shows): p, d_numerator decayed by b3, d", () => {
    const eps = 0.01;
    const params = f32Map({ w: [0] });
    const opt = new Prodigy(params, { eps });
    opt.step(f32Map({ w: [1] }));
    opt.step(f32Map({ w: [1] }));
    const a = (1 - B1) / (Math.sqrt(1 - B2) + eps);
    const d2 = (D0 * a) / (1 + B3);
    const p2 = -D0 * a - (D0 * D0 * (1 - B1) * (1 + B1)) / (D0 * Math.sqrt((1 - B2) * (1 + B2)) + d2 * eps);
    assertClose([opt.d], [d2], 1e-6, 0, "d after step 2");
    assertClose(params.get("w")!.data, [p2], 1e-6, 0, "p after step 2");
    opt.step(f32Map({ w: [1] }));
    const num3 = B3 * D0 * D0 * a + (d2 / D0) * d2 * -p2;
    const s3 = B3 * D0 * (1 + B3) + (d2 * d2) / D0;
    assertClose([opt.state().dNumerator], [num3], 1e-6, 0, "d_numerator after step 3");
    assertClose([opt.d], [Math.max(d2, num3 / s3)], 1e-6, 0, "d after step 3");
  });

  test("growth_rate caps d's growth after it leaves d0, and the first rise jumps straight to d̂", () => {
    const params = f32Map({ w: [0] });
    const opt = new Prodigy(params, { growthRate: 1.02 });
    opt.step(f32Map({ w: [1] }));
    opt.step(f32Map({ w: [1] }));
    const dHat = (D0 * (1 - B1)) / ((Math.sqrt(1 - B2) + 1e-8) * (1 + B3));
    assertClose([opt.d], [dHat], 1e-6, 0, "d after step 2 (d == d0: d = max(d, d̂), not d0·growth_rate)");
    let previous = opt.d;
    for (let s = 0; s < 20; s++) {
      opt.step(f32Map({ w: [1] }));
      assert.ok(opt.d <= previous * 1.02 * (1 + 1e-12) && opt.d >= previous, `d ${opt.d} after ${previous}`);
      previous = opt.d;
    }
    assert.ok(previous > dHat * 1.1, "d kept growing, at the capped rate");
  });

  test("beta1 = 0: no first moment, step 1 moves by d0·g / (sqrt(1-b2)|g| + eps)", () => {
    const params = f32Map({ w: [0, 0] });
    const opt = new Prodigy(params, { betas: [0, B2] });
    opt.step(f32Map({ w: [0.25, -4] }));
    assert.equal(opt.state().tensors.w!.expAvg, null);
    assertClose(
      params.get("w")!.data,
      [0.25, -4].map((g) => (-D0 * g) / (Math.sqrt(1 - B2) * Math.abs(g) + 1e-8)),
      1e-6,
      0,
      "w",
    );
  });

  test("d grows on a descending quadratic and never shrinks; the loss falls", () => {
    const { d, params } = descend(ICEDIT, 300);
    for (let s = 1; s < d.length; s++) assert.ok(d[s]! >= d[s - 1]!, `d fell at step ${s + 1}`);
    assert.equal(d[0], D0);
    assert.ok(d.at(-1)! > 1000 * D0, `d = ${d.at(-1)} after 300 steps`);
    const loss = [...params.values()].flatMap((t) => [...t.data]).reduce((sum, p) => sum + (p - 1) ** 2, 0);
    assert.ok(loss < 0.5 * 2.2, `loss ${loss}`);
  });

  test("bias correction, safeguard warm-up and decoupled decay each change the result", () => {
    // Small gradients (c = 0.01) with the optimum at 0.1, so that the coupled decay term wd·p is as large as the gradient.
    const start = [0.1, -0.3, 0.2, 0.05, 0.4, -0.1];
    const moved = (run: { params: Map<string, Tensor<"f32">> }): number[] =>
      [...run.params.values()].flatMap((t) => [...t.data]).map((p, i) => p - start[i]!);
    const reference = descend(ICEDIT, 60, 0.01, 0.1);
    const variants: Record<string, Partial<ProdigyOptions>> = {
      "no bias correction": { ...ICEDIT, useBiasCorrection: false },
      "no safeguard warm-up": { ...ICEDIT, safeguardWarmup: false },
      "coupled weight decay": { ...ICEDIT, decouple: false },
    };
    for (const [what, options] of Object.entries(variants)) {
      const run = descend(options, 60, 0.01, 0.1);
      const diff = Math.max(...moved(run).map((m, i) => Math.abs(m - moved(reference)[i]!)));
      const scale = Math.max(...moved(reference).map(Math.abs));
      assert.ok(diff > 0.05 * scale, `${what}: parameters moved like the reference (${diff} vs ${scale})`);
      // d itself: the moment scalings change it by orders of magnitude here; coupled decay only changes the gradient's direction.
      if (what !== "coupled weight decay")
        assert.ok(run.d.at(-1)! > 10 * reference.d.at(-1)!, `${what}: d ${run.d.at(-1)} vs ${reference.d.at(-1)}`);
    }
  });

  test("all-zero gradients: the step stops before the update (d, k and the parameters stay)", () => {
    const params = f32Map({ w: [0.5, -0.5] });
    const opt = new Prodigy(params, { weightDecay: 0.1 });
    opt.step(f32Map({ w: [0, 0] }));
    assert.deepEqual([...params.get("w")!.data], [0.5, -0.5].map(Math.fround));
    assert.equal(opt.k, 0);
    assert.equal(opt.d, D0);
  });

  test("slice_p keeps the statistics on every p-th element", () => {
    const params = f32Map({ w: [1, 2, 3, 4, 5] });
    const opt = new Prodigy(params, { sliceP: 2 });
    opt.step(f32Map({ w: [1, 1, 1, 1, 1] }));
    const st = opt.state().tensors.w!;
    assert.deepEqual([...st.p0], [1, 3, 5]);
    assert.equal(st.s.length, 3);
    assert.equal(st.expAvgSq.length, 5);
  });

  test("state round trip: N steps straight equal N/2, save, load into a fresh optimizer, N/2 (same bytes)", () => {
    const start = f32Map({ "m.lora_A.expert_0.weight": [0.1, -0.2, 0.3], "m.lora_route.weight": [0.7, -0.7] });
    const options = { ...ICEDIT, sliceP: 2 };
    const straight = cloneParams(start);
    const a = new Prodigy(straight, options);
    for (let s = 0; s < 20; s++) a.step(quadraticGrads(straight, 1));

    const first = cloneParams(start);
    const b = new Prodigy(first, options);
    for (let s = 0; s < 10; s++) b.step(quadraticGrads(first, 1));
    const checkpoint = structuredClone({ params: first, optimizer: b.state() });
    b.step(quadraticGrads(first, 1));
    const c = Prodigy.fromState(checkpoint.params, checkpoint.optimizer);
    for (let s = 10; s < 20; s++) c.step(quadraticGrads(checkpoint.params, 1));
    assert.ok(a.d > D0, "d has moved, so the check covers the d bookkeeping");
    assert.ok(bytes(checkpoint.params).equals(bytes(straight)));
    assert.deepEqual(c.state(), a.state());
  });

  test("refuses bad hyper-parameters, mismatched and non-finite gradients", () => {
    const params = f32Map({ w: [1] });
    assert.throws(() => new Prodigy(params, { d0: 0 }), /Prodigy d0 must be a number > 0, got 0/);
    assert.throws(() => new Prodigy(params, { lr: 0 }), HyperParameterError);
    assert.throws(() => new Prodigy(params, { sliceP: 1.5 }), /slice_p/);
    assert.throws(() => new Prodigy(params, { growthRate: NaN }), /growth_rate/);
    assert.throws(() => new Prodigy(params, { beta3: 1 }), /beta3/);
    const opt = new Prodigy(params);
    assert.throws(() => opt.step(f32Map({ v: [1] })), GradientMismatchError);
    assert.throws(() => opt.step(f32Map({ w: [Infinity] })), NonFiniteGradientError);
    assert.equal(params.get("w")!.data[0], 1);
    assert.deepEqual(opt.state().tensors, {});
  });
});
