/**
 * FLUX's text encoders at real size with random weights (the golden X1 / C1 init recipes):
 *   CLIP-L text model (123 M parameters) at T = 77;
 *   T5 v1.1 XXL at T = 512: its 24 blocks (4.7 B parameters, 19 GB in f32) do not fit in 24 GB next
 *   to everything else, so graphs with the real d_model / heads / d_ff / vocab but 1 and N blocks
 *   (N = ICEDIT_BENCH_T5_LAYERS, default 2) are timed and the per-block time extrapolated to 24.
 * Each time is the median of RUNS runs after WARMUPS calls. Also: T5's attention as the fused
 * MultiHeadAttention with an attention-bias input vs. a plain MatMul/Softmax subgraph.
 */
import { Graph, type Value } from "../src/onnx/graph.js";
import { add, matmul, multiHeadAttentionBiased, reshape, softmax, transpose } from "../src/onnx/ops/index.js";
import { CLIP_L_TEXT } from "../src/models/clip/config.js";
import { randomClipTextWeights } from "../src/demo/init/clip.js";
import { T5_V1_1_XXL, type T5Config } from "../src/models/t5/config.js";
import { randomT5Weights } from "../src/demo/init/t5.js";
import { T5EncoderStack } from "../src/models/t5/model.js";
import { Prng } from "../src/numeric/prng.js";
import { ClipTextEncoder } from "../src/components/text/clip.js";
import { T5Encoder } from "../src/components/text/t5.js";
import type { Engine } from "../src/runtime/engine.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { memorySource } from "../src/weights/memory-source.js";
import { median, peakRssMiB, timed } from "./stats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_TEXT_RUNS"] ?? 2);
/** Calls before timing: the first runs after session creation touch fresh memory and are slow. */
const WARMUPS = 2;
const T5_LAYERS = Number(process.env["ICEDIT_BENCH_T5_LAYERS"] ?? 2);
const T5_LENGTH = 512;
const CLIP_LENGTH = 77;

/**
 * WARMUPS untimed calls, then RUNS timed ones. The time of a call is what `run` returns (e.g. the
 * session's own run time), or else its wall time, host work included.
 */
async function timeRuns(run: () => Promise<unknown>): Promise<{ warmupMs: number; runs: number[]; medianMs: number }> {
  const once = async (): Promise<number> => {
    const { value, ms } = await timed(run);
    return typeof value === "number" ? value : ms;
  };
  let warmupMs = 0;
  for (let i = 0; i < WARMUPS; i++) warmupMs = await once();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once());
  return { warmupMs: Math.round(warmupMs), runs: runs.map(Math.round), medianMs: Math.round(median(runs)) };
}

function ids(dims: [number, number], values: (i: number) => number): Tensor<"i64"> {
  return tensor(
    "i64",
    dims,
    BigInt64Array.from({ length: dims[0] * dims[1] }, (_, i) => BigInt(values(i))),
  );
}

/** Multiply-adds x 2 of one T5 block at length T (projections, attention, gated FF). */
function t5BlockFlops(c: T5Config, length: number): number {
  const inner = c.numHeads * c.dKv;
  return 2 * length * (4 * c.dModel * inner + 3 * c.dModel * c.dFf) + 4 * length * length * inner;
}

export async function benchClip(engine: Engine): Promise<Record<string, unknown>> {
  const config = CLIP_L_TEXT;
  const weights = randomClipTextWeights(config, 21);
  const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const load = await timed(() => ClipTextEncoder.open(engine, { weights: memorySource(weights), config }));
  weights.clear();
  const prng = new Prng(22);
  // BOS, 20 content ids, EOS, EOS padding: what the FLUX tokenizer gives.
  const input = ids([1, CLIP_LENGTH], (i) => (i === 0 ? 49406 : i <= 20 ? 1 + (prng.nextUint32() % 49000) : 49407));
  const times = await timeRuns(async () => {
    await load.value.encode(input);
  });
  await load.value.release();
  const d = config.hiddenSize;
  const flops = config.numLayers * (2 * CLIP_LENGTH * (4 * d * d + 2 * d * config.intermediateSize) + 4 * CLIP_LENGTH * CLIP_LENGTH * d);
  return {
    config: { ...config, batch: 1, tokens: CLIP_LENGTH, dtype: "f32", runs: RUNS },
    weight_mib: Math.round(weightBytes / 2 ** 20),
    session_create_ms: Math.round(load.ms),
    encode_ms: times.medianMs,
    encode_ms_runs: times.runs,
    encode_warmup_ms: times.warmupMs,
    gflop: Number((flops / 1e9).toFixed(2)),
    gflops_per_s: Math.round(flops / 1e9 / (times.medianMs / 1000)),
    max_rss_mib: peakRssMiB(),
  };
}

export async function benchT5(engine: Engine): Promise<Record<string, unknown>> {
  const layers = Math.max(2, T5_LAYERS);
  const big: T5Config = { ...T5_V1_1_XXL, numLayers: layers };
  const weights = randomT5Weights(big, 31);
  const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const source = memorySource(weights);
  const prng = new Prng(32);
  // 40 content ids, EOS (1), pad (0) up to 512: what FLUX's T5 tokenizer gives.
  const input = ids([1, T5_LENGTH], (i) => (i < 40 ? 2 + (prng.nextUint32() % 32000) : i === 40 ? 1 : 0));
  const measured: Record<number, { load_ms: number; encode_ms: number; encode_ms_runs: number[]; encode_warmup_ms: number }> = {};
  for (const n of [1, layers]) {
    const load = await timed(() => T5Encoder.open(engine, { weights: source, config: { ...big, numLayers: n } }));
    const times = await timeRuns(async () => {
      await load.value.encode(input);
    });
    await load.value.release();
    measured[n] = { load_ms: Math.round(load.ms), encode_ms: times.medianMs, encode_ms_runs: times.runs, encode_warmup_ms: times.warmupMs };
  }
  weights.clear();
  const one = measured[1]?.encode_ms ?? NaN;
  const many = measured[layers]?.encode_ms ?? NaN;
  const perBlock = (many - one) / (layers - 1);
  const fixed = one - perBlock;
  const real = T5_V1_1_XXL.numLayers;
  const blockFlops = t5BlockFlops(T5_V1_1_XXL, T5_LENGTH);
  const realParams = new T5EncoderStack(T5_V1_1_XXL).parameters().reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  return {
    config: { ...T5_V1_1_XXL, batch: 1, tokens: T5_LENGTH, dtype: "f32", runs: RUNS, measured_layers: [1, layers] },
    note:
      `real sizes but ${layers} of ${real} blocks (24 blocks = 19 GB f32 do not fit next to the rest in 24 GB); per-block time = (t(${layers}) - t(1)) / ${layers - 1}, ` +
      `extrapolated: t(1) + ${real - 1} * per-block; upper bound without the split: ${real} * t(${layers}) / ${layers}`,
    weight_mib_measured: Math.round(weightBytes / 2 ** 20),
    weight_mib_real_f32: Math.round((4 * realParams) / 2 ** 20),
    measured,
    per_block_ms: Math.round(perBlock),
    outside_blocks_ms: Math.round(fixed),
    estimated_encode_ms_24_blocks: Math.round(one + (real - 1) * perBlock),
    estimated_encode_ms_24_blocks_upper: Math.round((real * many) / layers),
    gflop_per_block: Number((blockFlops / 1e9).toFixed(1)),
    gflops_per_s_per_block: Math.round(blockFlops / 1e9 / (perBlock / 1000)),
    max_rss_mib: peakRssMiB(),
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** T5-XXL self-attention at T = 512 (64 heads x 64) with its [1, H, T, T] bias: fused op vs plain subgraph. */
async function benchT5Attention(engine: Engine): Promise<Record<string, unknown>> {
  const { numHeads: h, dKv: d } = T5_V1_1_XXL;
  const t = T5_LENGTH;
  const build = (fused: boolean): Graph => {
    const g = new Graph(fused ? "t5_attention_mha" : "t5_attention_matmul");
    const q = g.addInput("q", "f32", [1, t, h * d]);
    const k = g.addInput("k", "f32", [1, t, h * d]);
    const v = g.addInput("v", "f32", [1, t, h * d]);
    const bias = g.addInput("bias", "f32", [1, h, t, t]);
    if (fused) {
      g.addOutput(multiHeadAttentionBiased(q, k, v, h, bias, 1.0), "out");
      return g;
    }
    const heads = (x: Value): Value => transpose(reshape(x, [1, t, h, d]), [0, 2, 1, 3]);
    const logits = add(matmul(heads(q), transpose(heads(k), [0, 1, 3, 2])), bias);
    const out = matmul(softmax(logits, -1), heads(v));
    g.addOutput(reshape(transpose(out, [0, 2, 1, 3]), [1, t, h * d]), "out");
    return g;
  };
  const prng = new Prng(41);
  const rand = (dims: number[], std: number): Tensor<"f32"> => {
    const x = tensor("f32", dims);
    prng.fillNormal(x.data, std);
    return x;
  };
  const feeds = { q: rand([1, t, h * d], 0.3), k: rand([1, t, h * d], 0.3), v: rand([1, t, h * d], 1), bias: rand([1, h, t, t], 0.5) };
  const outs: Float32Array[] = [];
  const ms: number[] = [];
  for (const fused of [true, false]) {
    const session = await engine.load(build(fused));
    let last: Float32Array = new Float32Array(0);
    const times = await timeRuns(async () => {
      const result = await session.run(feeds);
      last = result.outputs["out"]?.data as Float32Array;
      return result.ms;
    });
    await session.release();
    outs.push(last);
    ms.push(times.medianMs);
  }
  return {
    shape: { batch: 1, tokens: t, heads: h, head_dim: d, bias: [1, h, t, t] },
    note: "time inside session.run (the 88 MB of inputs cross to the worker thread outside it)",
    multi_head_attention_ms: ms[0],
    matmul_softmax_ms: ms[1],
    max_abs_diff: maxAbsDiff(outs[0] as Float32Array, outs[1] as Float32Array),
  };
}

export async function benchTextEncoders(engine: Engine): Promise<Record<string, unknown>> {
  const clip = await benchClip(engine);
  const attention = await benchT5Attention(engine);
  const t5 = await benchT5(engine);
  return { clip_l_text: clip, t5_xxl: t5, t5_attention_t512: attention };
}
