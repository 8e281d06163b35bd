/**
 * The T5 v1.1 encoder: golden cases, the bucket function against the closed-form table of docs/golden.md §9.1,
 * a plain-JS float64 reference of the whole encoder (no 1/sqrt(d_kv), bias in every block), configs,
 * random init and typed errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { t5EncoderRunner } from "../../../src/golden/components/t5.js";
import { loadManifest, type GoldenManifest } from "../../../src/golden/manifest.js";
import { relativePositionBucket, relativePositionBucketTable } from "../../../src/models/t5/buckets.js";
import { T5_TINY, T5_V1_1_XXL, t5ConfigFromHf, t5HfConfig, type T5Config } from "../../../src/models/t5/config.js";
import { HfConfigError } from "../../../src/models/t5/hf-json.js";
import { randomT5Weights } from "../../../src/demo/init/t5.js";
import { T5EncoderStack } from "../../../src/models/t5/model.js";
import { T5Encoder } from "../../../src/components/text/t5.js";
import { TextEncoderInputError } from "../../../src/components/text/token-ids.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../../src/weights/errors.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { GOLDEN_DIR, goldenFile, goldenSkip, haveGolden } from "../../golden-paths.js";
import { assertGoldenCasePasses } from "../golden-case.js";
import { assertDeclares } from "../../nn/helpers.js";
import { assertFileTensors } from "./file-tensors.js";
import { assertClose, i64t, geluTanh } from "../../onnx/helpers.js";

const FLUX_BUCKETS = { bidirectional: true, numBuckets: 32, maxDistance: 128 };

let engine: Engine;
let manifest: GoldenManifest;

before(async () => {
  engine = new Engine();
  if (haveGolden) manifest = await loadManifest(GOLDEN_DIR);
});
after(async () => {
  await engine.close();
});

describe("T5 golden cases", { skip: goldenSkip }, () => {
  for (const name of ["t5_encoder_b1", "t5_encoder_b1_bf16w", "t5_relative_position_bucket"]) {
    test(`${name} passes through the golden runner`, async () => {
      await assertGoldenCasePasses(t5EncoderRunner, name, { engine, manifest });
    });
  }
});

describe("T5 relative position buckets", () => {
  test("match the table of docs/golden.md §9.1 on the positive side, including the clamp from 91 on", () => {
    const ranges: [number, number, number][] = [
      [0, 0, 0],
      [1, 7, -1],
      [8, 11, 24],
      [12, 15, 25],
      [16, 22, 26],
      [23, 31, 27],
      [32, 45, 28],
      [46, 63, 29],
      [64, 90, 30],
      [91, 700, 31],
    ];
    for (const [lo, hi, bucket] of ranges) {
      for (let n = lo; n <= hi; n++) assert.equal(relativePositionBucket(n, FLUX_BUCKETS), bucket < 0 ? 16 + n : bucket, `n = ${n}`);
    }
    assert.equal(relativePositionBucket(90, FLUX_BUCKETS), 30);
    assert.equal(relativePositionBucket(91, FLUX_BUCKETS), 31);
    assert.equal(relativePositionBucket(100000, FLUX_BUCKETS), 31);
  });

  test("the negative side is the positive side minus 16", () => {
    assert.equal(relativePositionBucket(-1, FLUX_BUCKETS), 1);
    assert.equal(relativePositionBucket(-91, FLUX_BUCKETS), 15);
    assert.equal(relativePositionBucket(-90, FLUX_BUCKETS), 14);
    for (let n = 1; n <= 600; n++)
      assert.equal(relativePositionBucket(-n, FLUX_BUCKETS), relativePositionBucket(n, FLUX_BUCKETS) - 16, `n = -${n}`);
  });

  test("the unidirectional (decoder) form only sees the past, with all 32 buckets", () => {
    const uni = { ...FLUX_BUCKETS, bidirectional: false };
    assert.equal(relativePositionBucket(5, uni), 0);
    assert.equal(relativePositionBucket(-15, uni), 15);
    // 16 + floor(ln(a/16) / ln(8) * 16): a = 32 -> 16 + 5
    assert.equal(relativePositionBucket(-32, uni), 21);
    assert.equal(relativePositionBucket(-128, uni), 31);
  });

  test("the [T, T] table holds bucket(key - query) row-major", () => {
    const table = relativePositionBucketTable(100, FLUX_BUCKETS);
    assert.equal(table.length, 100 * 100);
    assert.equal(table[0 * 100 + 99], 31n); // key 99 right of query 0
    assert.equal(table[99 * 100 + 0], 15n); // key 0 left of query 99
    assert.equal(table[10 * 100 + 18], 24n); // n = 8
    assert.equal(table[18 * 100 + 10], 8n); // n = -8
  });
});

/** float64 reference of the encoder from the formulas of docs/golden.md §9.1; `scale` is 1 for T5 (a control passes 1/sqrt(d_kv)). */
function referenceT5(config: T5Config, w: Map<string, Tensor<"f32">>, ids: readonly number[], scale = 1): Float64Array {
  const d = config.dModel;
  const heads = config.numHeads;
  const dkv = config.dKv;
  const inner = heads * dkv;
  const T = ids.length;
  const get = (k: string): Float32Array => {
    const t = w.get(k);
    assert.ok(t, k);
    return t.data;
  };
  const linear = (x: Float64Array, rows: number, wt: Float32Array, out: number, inp: number): Float64Array => {
    const y = new Float64Array(rows * out);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let i = 0; i < inp; i++) s += (x[r * inp + i] as number) * (wt[o * inp + i] as number);
        y[r * out + o] = s;
      }
    return y;
  };
  const rms = (x: Float64Array, weight: Float32Array): Float64Array => {
    const y = new Float64Array(x.length);
    for (let r = 0; r < T; r++) {
      let ms = 0;
      for (let i = 0; i < d; i++) ms += (x[r * d + i] as number) ** 2;
      const inv = 1 / Math.sqrt(ms / d + config.layerNormEpsilon);
      for (let i = 0; i < d; i++) y[r * d + i] = (weight[i] as number) * (x[r * d + i] as number) * inv;
    }
    return y;
  };
  const shared = get("shared.weight");
  let x = new Float64Array(T * d);
  ids.forEach((id, t) => x.set(shared.subarray(id * d, (id + 1) * d), t * d));
  const table = get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
  for (let b = 0; b < config.numLayers; b++) {
    const p = `encoder.block.${b}.layer`;
    const h = rms(x, get(`${p}.0.layer_norm.weight`));
    const q = linear(h, T, get(`${p}.0.SelfAttention.q.weight`), inner, d);
    const k = linear(h, T, get(`${p}.0.SelfAttention.k.weight`), inner, d);
    const v = linear(h, T, get(`${p}.0.SelfAttention.v.weight`), inner, d);
    const attn = new Float64Array(T * inner);
    for (let hd = 0; hd < heads; hd++)
      for (let i = 0; i < T; i++) {
        const logits = Array.from({ length: T }, (_, j) => {
          let s = 0;
          for (let e = 0; e < dkv; e++) s += (q[i * inner + hd * dkv + e] as number) * (k[j * inner + hd * dkv + e] as number);
          return s * scale + (table[relativePositionBucket(j - i, FLUX_BUCKETS) * heads + hd] as number);
        });
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let c = 0; c < dkv; c++) {
          let s = 0;
          for (let j = 0; j < T; j++) s += ((e[j] as number) / z) * (v[j * inner + hd * dkv + c] as number);
          attn[i * inner + hd * dkv + c] = s;
        }
      }
    const o = linear(attn, T, get(`${p}.0.SelfAttention.o.weight`), d, inner);
    x = x.map((val, i) => val + (o[i] as number));
    const h2 = rms(x, get(`${p}.1.layer_norm.weight`));
    const g = linear(h2, T, get(`${p}.1.DenseReluDense.wi_0.weight`), config.dFf, d);
    const lin = linear(h2, T, get(`${p}.1.DenseReluDense.wi_1.weight`), config.dFf, d);
    const prod = g.map((val, i) => geluTanh(val) * (lin[i] as number));
    const ff = linear(prod, T, get(`${p}.1.DenseReluDense.wo.weight`), d, config.dFf);
    x = x.map((val, i) => val + (ff[i] as number));
  }
  return rms(x, get("encoder.final_layer_norm.weight"));
}

describe("T5 encoder against a plain-JS reference", () => {
  const config: T5Config = { ...T5_TINY, vocabSize: 40, dModel: 32, dKv: 16, numHeads: 2, dFf: 48, numLayers: 2 };
  const weights = randomT5Weights(config, 5);
  const ids = [3, 17, 9, 39, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  test("unscaled logits, the block-0 bias in every block, tanh-GELU gate: matches to 1e-5", async () => {
    const encoder = await T5Encoder.open(engine, { weights: memorySource(weights), config });
    try {
      const out = await encoder.encode(i64t([1, ids.length], ids));
      assert.deepEqual(out.dims, [1, ids.length, config.dModel]);
      assertClose(out.data, referenceT5(config, weights, ids), "last_hidden_state", { atol: 1e-5, rtol: 1e-4 });
      const scaled = referenceT5(config, weights, ids, 1 / Math.sqrt(config.dKv));
      const diff = Math.max(...Array.from(out.data, (v, i) => Math.abs(v - (scaled[i] as number))));
      assert.ok(diff > 1e-2, `a 1/sqrt(d_kv) scaling would be visible (diff ${diff})`);
    } finally {
      await encoder.release();
    }
  });

  test("one graph serves every length and batch: a batch of two equals two single runs", async () => {
    const encoder = await T5Encoder.open(engine, { weights: memorySource(weights), config });
    try {
      const a = [5, 6, 7, 1, 0, 0, 0];
      const b = [30, 2, 11, 12, 13, 1, 0];
      const both = await encoder.encode(i64t([2, 7], [...a, ...b]));
      const one = await encoder.encode(i64t([1, 7], a));
      const two = await encoder.encode(i64t([1, 7], b));
      assertClose(both.data.subarray(0, one.data.length), one.data, "row 0", { atol: 1e-5, rtol: 1e-5 });
      assertClose(both.data.subarray(one.data.length), two.data, "row 1", { atol: 1e-5, rtol: 1e-5 });
      assertClose(one.data, referenceT5(config, weights, a), "T = 7 reference", { atol: 1e-5, rtol: 1e-4 });
    } finally {
      await encoder.release();
    }
  });
});

describe("T5 config", { skip: goldenSkip }, () => {
  test("config.json round trip: reading the X1 config and writing it back gives transformers' file", () => {
    const json = manifest.configs["X1"]?.["hf_T5Config"] as Record<string, unknown>;
    const config = t5ConfigFromHf(json);
    assert.deepEqual(config, T5_TINY);
    assert.deepEqual(t5HfConfig(config), json);
    assert.deepEqual(t5ConfigFromHf(t5HfConfig(T5_V1_1_XXL, { dtype: "bfloat16" })), T5_V1_1_XXL);
  });

  test("the XXL preset declares the 219 tensors and 4.76 B parameters of text_encoder_2; X1 the 21 of the golden file", async () => {
    assertDeclares(new T5EncoderStack(T5_V1_1_XXL).parameters(), 219, 4_762_310_656);
    await assertFileTensors(
      goldenFile("weights/t5_x1_f32.safetensors"),
      randomT5Weights(T5_TINY, 1).keys(),
      new T5EncoderStack(T5_TINY).parameters().map((spec) => [spec.path, spec.shape]),
    );
  });

  test("refuses configs it cannot run, naming the field", () => {
    const x1 = manifest.configs["X1"]?.["hf_T5Config"] as Record<string, unknown>;
    assert.throws(
      () => t5ConfigFromHf({ ...x1, feed_forward_proj: "relu", dense_act_fn: "relu" }),
      /feed_forward_proj "relu" is not supported.*gated-gelu/,
    );
    assert.throws(
      () => t5ConfigFromHf({ ...x1, d_model: undefined }),
      (e: unknown) => e instanceof HfConfigError && /d_model must be a positive integer, it is missing/.test(e.message),
    );
    assert.throws(() => t5ConfigFromHf({ ...x1, model_type: "bert" }), /model_type is "bert"/);
    assert.throws(() => t5ConfigFromHf({ ...x1, dense_act_fn: "silu" }), /dense_act_fn "silu" is not supported/);
    assert.throws(() => t5ConfigFromHf([]), HfConfigError);
  });
});

describe("T5 errors and key forms", () => {
  const weights = randomT5Weights(T5_TINY, 2);

  test("encoder.embed_tokens.weight is accepted in place of shared.weight", async () => {
    const aliased = new Map<string, Tensor>(weights);
    aliased.set("encoder.embed_tokens.weight", weights.get("shared.weight") as Tensor);
    aliased.delete("shared.weight");
    const ids = i64t([1, 5], [4, 5, 6, 1, 0]);
    const a = await T5Encoder.open(engine, { weights: memorySource(weights), config: T5_TINY });
    const b = await T5Encoder.open(engine, { weights: memorySource(aliased), config: T5_TINY });
    try {
      assert.deepEqual((await a.encode(ids)).data, (await b.encode(ids)).data);
    } finally {
      await a.release();
      await b.release();
    }
  });

  test("bad ids: out of the vocabulary, wrong rank, wrong dtype", async () => {
    const encoder = await T5Encoder.open(engine, { weights: memorySource(weights), config: T5_TINY });
    try {
      await assert.rejects(encoder.encode(i64t([1, 3], [1, 128, 0])), (e: unknown) => {
        assert.ok(e instanceof TextEncoderInputError);
        assert.match(e.message, /token id 128 at \[0, 1\] is outside the vocabulary \(vocab_size 128\)/);
        return true;
      });
      await assert.rejects(encoder.encode(i64t([1, 2], [-1, 0])), /token id -1/);
      await assert.rejects(
        encoder.encode(i64t([3], [1, 2, 3])),
        /must be \[B, T\], got shape \[3\] \(one sequence\? pass it as \[1, 3\]\)/,
      );
      const int32 = tensor("i32", [1, 2], Int32Array.of(1, 2)) as unknown as Tensor<"i64">;
      await assert.rejects(encoder.encode(int32), /must be int64, got i32/);
    } finally {
      await encoder.release();
    }
  });

  test("missing and misshaped weights name the tensor and what to check", async () => {
    const fewer = new Map(weights);
    for (const k of [...fewer.keys()]) if (k.startsWith("encoder.block.1.")) fewer.delete(k);
    await assert.rejects(T5Encoder.open(engine, { weights: memorySource(fewer, "t5.safetensors"), config: T5_TINY }), (e: unknown) => {
      assert.ok(e instanceof MissingTensorError);
      assert.match(e.message, /encoder\.block\.1\..* missing in t5\.safetensors: the file has 1 encoder blocks but the config asks for 2/);
      return true;
    });
    const noEmbedding = new Map(weights);
    noEmbedding.delete("shared.weight");
    await assert.rejects(
      T5Encoder.open(engine, { weights: memorySource(noEmbedding), config: T5_TINY }),
      /shared\.weight .*alias encoder\.embed_tokens\.weight/,
    );
    await assert.rejects(T5Encoder.open(engine, { weights: memorySource(weights), config: { ...T5_TINY, dFf: 80 } }), (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /wi_0\.weight .* has shape \[96, 64\], expected \[80, 64\]: .*d_ff 80.*config\.json/);
      return true;
    });
  });
});
