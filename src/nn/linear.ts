/** Linear layer with torch's [out, in] weight layout: y = x W^T + b. */
import type { Value } from "../onnx/graph.js";
import { concat, gemmTransB, reshape, reshapeTo, shapeOf } from "../onnx/ops/index.js";
import { constI64 } from "../onnx/ops/constants.js";
import { BuildContext, Module, type ParamSpec } from "./module.js";

export class Linear extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | null;

  constructor(path: string, readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super(path);
    this.weight = this.param("weight", [outFeatures, inFeatures]);
    this.bias = bias ? this.param("bias", [outFeatures]) : null;
  }

  /** x: [..., in] -> [..., out]. Leading dims are flattened for one Gemm (bias fused, weight not transposed). */
  forward(ctx: BuildContext, x: Value): Value {
    const w = ctx.param(this.weight);
    const b = this.bias ? ctx.param(this.bias) : null;
    if (x.shape.length === 2) return gemmTransB(x, w, b);
    const flat = reshape(x, [-1, this.inFeatures]);
    const y = gemmTransB(flat, w, b);
    const lead = shapeOf(x, 0, x.shape.length - 1);
    const target = concat([lead, constI64(x.graph, [this.outFeatures])], 0);
    return reshapeTo(y, target, [...x.shape.slice(0, -1), this.outFeatures]);
  }
}
