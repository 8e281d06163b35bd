/** FLUX's small building blocks: MLP embedder, modulation, QK-norm attention projections. */
import type { Value } from "../../onnx/graph.js";
import { multiHeadAttention, rotaryEmbedding, silu, split, unsqueeze } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { RMSNorm } from "../../nn/norms.js";

export const NORM_EPS = 1e-6;

/** in_layer -> SiLU -> out_layer (time_in, guidance_in, vector_in). */
export class MLPEmbedder extends Module {
  readonly inLayer: Linear;
  readonly outLayer: Linear;

  constructor(path: string, inDim: number, hidden: number) {
    super(path);
    this.inLayer = this.child(new Linear(this.sub("in_layer"), inDim, hidden));
    this.outLayer = this.child(new Linear(this.sub("out_layer"), hidden, hidden));
  }

  /** x: [B, in] -> [B, hidden]. */
  forward(ctx: BuildContext, x: Value): Value {
    return this.outLayer.forward(ctx, silu(this.inLayer.forward(ctx, x)));
  }
}

export interface ModulationOut {
  readonly shift: Value;
  readonly scale: Value;
  readonly gate: Value;
}

/** lin(SiLU(vec)) chunked into (shift, scale, gate) once or twice, each [B, 1, D]. */
export class Modulation extends Module {
  readonly lin: Linear;

  constructor(
    path: string,
    readonly dim: number,
    readonly double: boolean,
  ) {
    super(path);
    this.lin = this.child(new Linear(this.sub("lin"), dim, (double ? 6 : 3) * dim));
  }

  /** vec: [B, D] -> one or two (shift, scale, gate) triples of [B, 1, D]. */
  forward(ctx: BuildContext, vec: Value): ModulationOut[] {
    const out = this.lin.forward(ctx, silu(vec));
    const chunks = split(unsqueeze(out, [1]), new Array<number>(this.double ? 6 : 3).fill(this.dim), 2);
    const triples: ModulationOut[] = [];
    for (let i = 0; i < chunks.length; i += 3) {
      triples.push({ shift: chunks[i] as Value, scale: chunks[i + 1] as Value, gate: chunks[i + 2] as Value });
    }
    return triples;
  }
}

/** query_norm / key_norm: RMSNorm over head_dim with a learned scale. */
export class QKNorm extends Module {
  readonly queryNorm: RMSNorm;
  readonly keyNorm: RMSNorm;

  constructor(path: string, headDim: number) {
    super(path);
    this.queryNorm = this.child(new RMSNorm(this.sub("query_norm"), headDim, NORM_EPS));
    this.keyNorm = this.child(new RMSNorm(this.sub("key_norm"), headDim, NORM_EPS));
  }
}

export interface QKV {
  readonly q: Value;
  readonly k: Value;
  readonly v: Value;
}

/** Per-head QK-norm of q and k ([B, S, D] each, v passed through). */
export function normQKV(ctx: BuildContext, qkv: QKV, norm: QKNorm, heads: number): QKV {
  return { q: norm.queryNorm.forwardHeads(ctx, qkv.q, heads), k: norm.keyNorm.forwardHeads(ctx, qkv.k, heads), v: qkv.v };
}

export interface Rope {
  readonly cos: Value;
  readonly sin: Value;
}

/** RoPE on q and k, then attention over the sequence. q, k, v: [B, S, D] -> [B, S, D]. */
export function ropeAttention(qkv: QKV, pe: Rope, heads: number): Value {
  const q = rotaryEmbedding(qkv.q, pe.cos, pe.sin, heads);
  const k = rotaryEmbedding(qkv.k, pe.cos, pe.sin, heads);
  return multiHeadAttention(q, k, qkv.v, heads);
}
