/** FLUX single-stream block on the joint sequence [txt; img]: parallel attention and MLP. */
import type { Value } from "../../onnx/graph.js";
import { add, concat, gelu, mul } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { modulatedNorm } from "../../nn/norms.js";
import { Modulation, NORM_EPS, QKNorm, normQKV, ropeAttention, type ModulationOut, type Rope } from "./layers.js";

export class SingleStreamBlock extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm: QKNorm;
  readonly modulation: Modulation;

  constructor(
    path: string,
    readonly dim: number,
    readonly heads: number,
    readonly mlpHidden: number,
  ) {
    super(path);
    this.linear1 = this.child(new Linear(this.sub("linear1"), dim, 3 * dim + mlpHidden));
    this.linear2 = this.child(new Linear(this.sub("linear2"), dim + mlpHidden, dim));
    this.norm = this.child(new QKNorm(this.sub("norm"), dim / heads));
    this.modulation = this.child(new Modulation(this.sub("modulation"), dim, false));
  }

  /** x: [B, T+L, D], vec: [B, D] -> [B, T+L, D]. */
  forward(ctx: BuildContext, x: Value, vec: Value, pe: Rope): Value {
    const [mod] = this.modulation.forward(ctx, vec) as [ModulationOut];
    const modulated = modulatedNorm(ctx, x, mod.shift, mod.scale, this.dim, NORM_EPS);
    // linear1's q, k, v and MLP rows as four products: no Split copies its [B, T+L, 3D+M] output.
    const d = this.dim;
    const [q, k, v, mlp] = this.linear1.forwardRows(ctx, modulated, [d, d, d, this.mlpHidden]) as [Value, Value, Value, Value];
    const attn = ropeAttention(normQKV(ctx, { q, k, v }, this.norm, this.heads), pe, this.heads);
    const out = this.linear2.forward(ctx, concat([attn, gelu(mlp, "tanh")], -1));
    return add(x, mul(mod.gate, out));
  }
}
