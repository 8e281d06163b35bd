/** FLUX single-stream block on the joint sequence [txt; img]: parallel attention and MLP. */
import type { Value } from "../../onnx/graph.js";
import { add, concat, gelu, mul, split } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { modulatedNorm } from "../../nn/norms.js";
import { Modulation, NORM_EPS, QKNorm, ropeAttention, splitQKV, type ModulationOut, type Rope } from "./layers.js";

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
    const [qkv, mlp] = split(this.linear1.forward(ctx, modulated), [3 * this.dim, this.mlpHidden], -1) as [Value, Value];
    const attn = ropeAttention(splitQKV(ctx, qkv, this.norm, this.dim, this.heads), pe, this.heads);
    const out = this.linear2.forward(ctx, concat([attn, gelu(mlp, "tanh")], -1));
    return add(x, mul(mod.gate, out));
  }
}
