/**
 * The achieved rate of one matrix product in several weight forms on this machine: a raw ONNX
 * Runtime MatMul on float32 weights against MatMulNBits on the same weights quantized (each form's
 * block size and accuracy level), all sessions alive at once and their runs interleaved, so every
 * form sees the same machine load; and each quantized form's error against the float32 product.
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { matmul } from "../../onnx/ops/linear.js";
import { matMulNBits } from "../../onnx/ops/quant.js";
import { slice, transpose } from "../../onnx/ops/tensor.js";
import { median } from "../../numeric/median.js";
import { Prng } from "../../numeric/prng.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import type { Session } from "../../runtime/session.js";
import { tensor, type Tensor } from "../../tensor.js";
import { quantizeNBits } from "../../weights/quant/index.js";
import { accuracyLevelOf, precisionName, type Precision } from "../precision.js";

/** y [m, n] = a [m, k] @ W^T, W [n, k]. */
export interface GemmShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

export interface GemmRate {
  /** Median milliseconds of one product. */
  readonly ms: number;
  readonly msRuns: readonly number[];
  readonly gflopsPerS: number;
  /** Relative RMS difference of the product to the float32 form's (0 for f32; null without an f32 form). */
  readonly relativeError: number | null;
}

export interface GemmRateOptions {
  /** Timed runs per form, after two untimed runs each. */
  readonly runs: number;
  readonly settings?: Partial<SessionSettings>;
  readonly seed?: number;
}

function gemmGraph(shape: GemmShape, weight: Tensor<"f32">, form: Precision): Graph {
  const g = new Graph(`gemm_${precisionName(form).replace(/-/g, "_")}`);
  const a = g.addInput("a", "f32", [shape.m, shape.k]);
  let y: Value;
  if (form.kind === "f32") {
    // MatMul on [k, n] as ONNX Runtime prepacks it (the transposed copy is folded at session creation).
    y = matmul(a, transpose(g.addInitializer("w", { kind: "inline", tensor: weight }), [1, 0]));
  } else {
    const bits = form.kind === "int8" ? 8 : 4;
    const p = quantizeNBits(weight, { bits, blockSize: form.blockSize });
    const b = g.addInitializer("w_q", { kind: "inline", tensor: p.b });
    const scales = g.addInitializer("w_scales", { kind: "inline", tensor: p.scales });
    y = matMulNBits(a, b, scales, null, {
      K: shape.k,
      N: shape.n,
      bits,
      blockSize: form.blockSize,
      accuracyLevel: accuracyLevelOf(form),
    });
  }
  g.addOutput(y, "y");
  // Timed runs fetch one row only, so the timing is the product, not copying the output out.
  g.addOutput(slice(y, 0, 0, 1), "y_row");
  return g;
}

function relativeRms(value: Float32Array, reference: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const d = (value[i] as number) - r;
    diff += d * d;
    norm += r * r;
  }
  return norm === 0 ? 0 : Math.sqrt(diff / norm);
}

/** The rate of `shape` in each form (keyed by precisionName), measured side by side. */
export async function gemmRates(
  engine: Engine,
  shape: GemmShape,
  forms: readonly Precision[],
  options: GemmRateOptions,
): Promise<Record<string, GemmRate>> {
  const prng = new Prng(options.seed ?? 3);
  const weight = tensor("f32", [shape.n, shape.k]);
  prng.fillNormal(weight.data, 0.02);
  const a = tensor("f32", [shape.m, shape.k]);
  prng.fillNormal(a.data, 1);
  const sessions: Session[] = [];
  try {
    for (const form of forms) sessions.push(await engine.load(gemmGraph(shape, weight, form), options.settings));
    const outputs: Float32Array[] = [];
    for (const session of sessions) outputs.push((await session.run({ a }, ["y"])).outputs["y"]?.data as Float32Array);
    // A second untimed run each: after only one, the first timed run was still slow in trials.
    for (const session of sessions) await session.run({ a }, ["y_row"]);
    const times: number[][] = forms.map(() => []);
    for (let r = 0; r < options.runs; r++) {
      for (const [i, session] of sessions.entries()) times[i]?.push((await session.run({ a }, ["y_row"])).ms);
    }
    const reference = outputs[forms.findIndex((f) => f.kind === "f32")];
    const flop = 2 * shape.m * shape.k * shape.n;
    return Object.fromEntries(
      forms.map((form, i) => {
        const ms = median(times[i] ?? []);
        const rate: GemmRate = {
          ms: +ms.toFixed(2),
          msRuns: (times[i] ?? []).map((t) => +t.toFixed(2)),
          gflopsPerS: Math.round(flop / 1e9 / (ms / 1000)),
          relativeError: form.kind === "f32" ? 0 : reference ? +relativeRms(outputs[i] as Float32Array, reference).toExponential(3) : null,
        };
        return [precisionName(form), rate];
      }),
    );
  } finally {
    for (const session of sessions) await session.release();
  }
}
