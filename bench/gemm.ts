/**
 * Achieved GEMM throughput of one shape in each weight format: a raw ONNX Runtime MatMul on f32
 * weights against MatMulNBits on the same weights quantized, all sessions alive at once and their
 * runs interleaved, so every format sees the same machine load.
 */
import { Graph, type Value } from "../src/onnx/graph.js";
import { matmul } from "../src/onnx/ops/linear.js";
import { matMulNBits } from "../src/onnx/ops/quant.js";
import { slice, transpose } from "../src/onnx/ops/tensor.js";
import { validateFluxParams, type FluxParams } from "../src/models/flux/params.js";
import { Prng } from "../src/numeric/prng.js";
import type { Engine } from "../src/runtime/engine.js";
import type { SessionSettings } from "../src/runtime/protocol.js";
import type { Session } from "../src/runtime/session.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { quantizeNBits } from "../src/weights/quant/index.js";
import type { FluxShape } from "./flux-flops.js";
import { median } from "./stats.js";
import type { WeightFormat } from "./weight-formats.js";

/** y [m, n] = a [m, k] @ W^T, W [n, k]. */
export interface GemmShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

export interface GemmTiming {
  readonly ms: number;
  readonly ms_runs: readonly number[];
  readonly gflops_per_s: number;
}

export interface GemmOptions {
  /** Timed runs per format, after two warm-up runs each. */
  readonly runs: number;
  readonly settings?: Partial<SessionSettings>;
  readonly seed?: number;
}

/** The largest GEMM of a FLUX config: single_blocks.linear1 (qkv + MLP in) over the joint sequence. */
export function dominantGemm(params: FluxParams, shape: FluxShape): GemmShape {
  const { mlpHidden } = validateFluxParams(params);
  return { m: shape.imageTokens + shape.textTokens, k: params.hiddenSize, n: 3 * params.hiddenSize + mlpHidden };
}

function gemmGraph(shape: GemmShape, weight: Tensor<"f32">, format: WeightFormat): Graph {
  const g = new Graph(`gemm_${format.name.replace(/-/g, "_")}`);
  const a = g.addInput("a", "f32", [shape.m, shape.k]);
  let y: Value;
  if (!format.quant) {
    // MatMul on [k, n] as ONNX Runtime prepacks it (the transposed copy is folded at session creation).
    y = matmul(a, transpose(g.addInitializer("w", { kind: "inline", tensor: weight }), [1, 0]));
  } else {
    const p = quantizeNBits(weight, { bits: format.quant.bits, blockSize: format.quant.blockSize });
    const b = g.addInitializer("w_q", { kind: "inline", tensor: p.b });
    const scales = g.addInitializer("w_scales", { kind: "inline", tensor: p.scales });
    y = matMulNBits(a, b, scales, null, {
      K: shape.k,
      N: shape.n,
      bits: format.quant.bits,
      blockSize: format.quant.blockSize,
      accuracyLevel: format.quant.accuracyLevel,
    });
  }
  // Only one row leaves the session, so the timing is the GEMM, not copying the output out.
  g.addOutput(slice(y, 0, 0, 1), "y");
  return g;
}

export async function gemmThroughput(
  engine: Engine,
  shape: GemmShape,
  formats: readonly WeightFormat[],
  options: GemmOptions,
): Promise<Record<string, GemmTiming>> {
  const prng = new Prng(options.seed ?? 3);
  const weight = tensor("f32", [shape.n, shape.k]);
  prng.fillNormal(weight.data, 0.02);
  const a = tensor("f32", [shape.m, shape.k]);
  prng.fillNormal(a.data, 1);
  const sessions: Session[] = [];
  try {
    for (const format of formats) sessions.push(await engine.load(gemmGraph(shape, weight, format), options.settings));
    const times: number[][] = formats.map(() => []);
    // Two untimed runs each: after only one, the first timed run was still slow in trials.
    for (let w = 0; w < 2; w++) for (const session of sessions) await session.run({ a });
    for (let r = 0; r < options.runs; r++) {
      for (const [i, session] of sessions.entries()) times[i]?.push((await session.run({ a })).ms);
    }
    const flop = 2 * shape.m * shape.k * shape.n;
    return Object.fromEntries(
      formats.map((format, i) => {
        const ms = median(times[i] ?? []);
        return [
          format.name,
          { ms: +ms.toFixed(2), ms_runs: (times[i] ?? []).map((t) => +t.toFixed(2)), gflops_per_s: Math.round(flop / 1e9 / (ms / 1000)) },
        ];
      }),
    );
  } finally {
    for (const session of sessions) await session.release();
  }
}
