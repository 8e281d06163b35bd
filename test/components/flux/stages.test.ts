/**
 * The transformer's stage graphs (step caching): run one after the other they give the golden
 * reference's intermediates and output, and what the whole graph gives; the embedders' extra output
 * is the first block's modulated image input, checked against its closed form.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../../src/runtime/engine.js";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { GOLDEN_T1 } from "../../../src/models/flux/params.js";
import type { FluxCall } from "../../../src/models/flux/inputs.js";
import { readFluxCall } from "../../../src/golden/components/flux-transformer.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import type { Tensor } from "../../../src/tensor.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";

/** Largest |a - b| relative to the largest |b|. */
function relErr(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsDiff(a, b) / scale;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

/** LayerNorm without affine (eps 1e-6) of each row of x [L, D], then (1 + scale) * . + shift. */
function modulatedNormOf(x: Float32Array, dim: number, shift: Float32Array, scale: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r * dim + i] as number;
    mean /= dim;
    let variance = 0;
    for (let i = 0; i < dim; i++) variance += ((x[r * dim + i] as number) - mean) ** 2;
    variance /= dim;
    const inv = 1 / Math.sqrt(variance + 1e-6);
    for (let i = 0; i < dim; i++)
      out[r * dim + i] = ((x[r * dim + i] as number) - mean) * inv * (1 + (scale[i] as number)) + (shift[i] as number);
  }
  return out;
}

describe("FLUX transformer stages", { skip: goldenSkip }, () => {
  let engine: Engine;
  let call: FluxCall;
  let expected: Map<string, Tensor<"f32">>;
  let model: FluxTransformer;

  before(async () => {
    engine = new Engine();
    const inputs = await openSafetensors(goldenFile("cases/flux_transformer_b1.inputs.safetensors"));
    call = await readFluxCall(inputs);
    await inputs.close();
    const file = await openSafetensors(goldenFile("cases/flux_transformer_b1.expected.safetensors"));
    expected = new Map();
    for (const name of ["double0_img_mod", "out"]) expected.set(name, await file.readF32(name));
    await file.close();
    const weights = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    try {
      model = await FluxTransformer.open(engine, { weights, params: GOLDEN_T1, stages: "now" });
    } finally {
      await weights.close();
    }
  });
  after(async () => {
    await model.release();
    await engine.close();
  });

  it("give the whole graph's intermediates and output, and the reference's output", async () => {
    const weights = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    const taps = ["img_in_out", "vec", "double0_img", "double0_txt", "final_in"];
    const tapped = await FluxTransformer.open(engine, { weights, params: GOLDEN_T1, taps });
    await weights.close();
    const whole = await tapped.forward(call);
    await tapped.release();
    const want = (name: string): Float32Array => (whole.taps[name] as Tensor<"f32">).data;
    const embedded = await model.embed(call);
    const close = (got: Float32Array, name: string): void => {
      const err = relErr(got, want(name));
      assert.ok(err <= 1e-6, `${name}: error ${err} of the largest value`);
    };
    close(embedded.streams.img.data, "img_in_out");
    close(embedded.streams.vec.data, "vec");
    const first = await model.blocks("first", embedded.streams);
    close(first.streams.img.data, "double0_img");
    close(first.streams.txt.data, "double0_txt");
    const rest = await model.blocks("rest", first.streams);
    close(rest.streams.img.data, "final_in");
    const { out } = await model.finalLayer(rest.streams.img, embedded.streams.vec);
    assert.deepEqual(out.dims, [1, 8, 64]);
    const drift = maxAbsDiff(out.data, whole.out.data);
    assert.ok(drift <= 1e-6, `stages and the whole graph differ by ${drift}`);
    const err = maxAbsDiff(out.data, (expected.get("out") as Tensor<"f32">).data);
    assert.ok(err < 1e-4, `out: max abs error ${err} against the reference`);
  });

  it("embed's img_mod is the first block's modulated image input: LN(img) * (1 + scale) + shift", async () => {
    const d = GOLDEN_T1.hiddenSize;
    const mod = (expected.get("double0_img_mod") as Tensor<"f32">).data;
    const embedded = await model.embed(call);
    const closed = modulatedNormOf(embedded.streams.img.data, d, mod.subarray(0, d), mod.subarray(d, 2 * d));
    assert.deepEqual(embedded.imgMod.dims, [1, 8, d]);
    // The reference's modulation against our embedders' img: float32 paths differ by about 1e-4 of the largest value.
    const err = relErr(embedded.imgMod.data, closed);
    assert.ok(err < 2e-4, `img_mod: error ${err} of the largest value`);
  });

  it("refuses staged calls on a transformer opened without its stages", async () => {
    const weights = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    const plain = await FluxTransformer.open(engine, { weights, params: GOLDEN_T1 });
    await weights.close();
    try {
      assert.equal(plain.hasStages, false);
      await assert.rejects(() => plain.embed(call), /opened without its stage graphs/);
    } finally {
      await plain.release();
    }
  });
});
