/** FLUX final layer: adaLN (shift, scale in BFL order) and the projection to output channels. */
import type { Value } from "../../onnx/graph.js";
import { silu, split, unsqueeze } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { modulatedNorm } from "../../nn/norms.js";
import { NORM_EPS } from "./layers.js";

export class LastLayer extends Module {
  readonly linear: Linear;
  readonly adaLN: Linear;

  constructor(
    path: string,
    readonly dim: number,
    outChannels: number,
  ) {
    super(path);
    this.linear = this.child(new Linear(this.sub("linear"), dim, outChannels));
    this.adaLN = this.child(new Linear(this.sub("adaLN_modulation.1"), dim, 2 * dim));
  }

  /** x: [B, L, D] (image tokens), vec: [B, D] -> [B, L, out]. */
  forward(ctx: BuildContext, x: Value, vec: Value): Value {
    const mod = unsqueeze(this.adaLN.forward(ctx, silu(vec)), [1]);
    const [shift, scale] = split(mod, [this.dim, this.dim], 2) as [Value, Value];
    return this.linear.forward(ctx, modulatedNorm(ctx, x, shift, scale, this.dim, NORM_EPS));
  }
}
