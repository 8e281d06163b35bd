/** LayerNorm with torch's affine parameters (weight [dim], bias [dim]) over the last axis. */
import type { Value } from "../onnx/graph.js";
import { layerNorm } from "../onnx/ops/index.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

export class LayerNorm extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec;

  constructor(
    path: string,
    readonly dim: number,
    readonly epsilon: number,
  ) {
    super(path);
    this.weight = this.param("weight", [dim]);
    this.bias = this.param("bias", [dim]);
  }

  /** x: [..., dim] -> [..., dim]: (x - mean) / sqrt(var + eps) * weight + bias. */
  forward(ctx: BuildContext, x: Value): Value {
    return layerNorm(x, ctx.param(this.weight), ctx.param(this.bias), this.epsilon);
  }
}
