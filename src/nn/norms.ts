/** Normalisation layers. */
import type { Value } from "../onnx/graph.js";
import { add, layerNorm, mul, reshape, rmsNorm } from "../onnx/ops/index.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

/** LayerNorm over the last axis without affine parameters (FLUX's norms). x: [..., D]. */
export function layerNormNoAffine(ctx: BuildContext, x: Value, dim: number, epsilon: number): Value {
  return layerNorm(x, ctx.ones(dim), null, epsilon);
}

/** adaLN modulation: (1 + scale) * LN(x) + shift. x: [B, S, D]; shift, scale: [B, 1, D]. */
export function modulatedNorm(ctx: BuildContext, x: Value, shift: Value, scale: Value, dim: number, epsilon: number): Value {
  return add(mul(layerNormNoAffine(ctx, x, dim, epsilon), add(scale, 1)), shift);
}

/** RMS norm with a learned scale: x / sqrt(mean(x^2) + eps) * scale. */
export class RMSNorm extends Module {
  readonly scale: ParamSpec;

  constructor(
    path: string,
    readonly dim: number,
    readonly epsilon: number,
    paramName = "scale",
  ) {
    super(path);
    this.scale = this.param(paramName, [dim]);
  }

  /** x: [..., dim] -> [..., dim]. */
  forward(ctx: BuildContext, x: Value): Value {
    return rmsNorm(x, ctx.param(this.scale), this.epsilon);
  }

  /** x: [B, S, H*dim] -> [B, S, H*dim], normalised per head. */
  forwardHeads(ctx: BuildContext, x: Value, heads: number): Value {
    const split = reshape(x, [0, 0, heads, this.dim]);
    return reshape(this.forward(ctx, split), [0, 0, heads * this.dim]);
  }
}
