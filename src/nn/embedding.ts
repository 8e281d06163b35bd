/** A lookup table with torch's nn.Embedding parameter: weight [num, dim]. */
import type { Value } from "../onnx/graph.js";
import { gather } from "../onnx/ops/index.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

export class Embedding extends Module {
  readonly weight: ParamSpec;

  constructor(
    path: string,
    readonly num: number,
    readonly dim: number,
  ) {
    super(path);
    this.weight = this.param("weight", [num, dim]);
  }

  /** ids: [...] i64 -> [..., dim]. Ids must be in [0, num) (checked by the caller on the host). */
  forward(ctx: BuildContext, ids: Value): Value {
    return gather(ctx.param(this.weight), ids, 0);
  }
}
