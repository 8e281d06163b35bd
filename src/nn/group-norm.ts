/**
 * GroupNorm over [B, C, *spatial] with a per-channel affine, built as Reshape [B, G, -1] +
 * InstanceNormalization + Reshape back + Mul + Add: about 3x faster on ONNX Runtime's CPU provider
 * than GroupNormalization-21 (docs/ort-ops.md §1), and the same maths.
 */
import { GraphBuildError, type Value } from "../onnx/graph.js";
import { add, constF32, instanceNorm, mul, reshape, reshapeTo, shapeOf, unsqueeze } from "../onnx/ops/index.js";
import { shapeText } from "../onnx/shape.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

/** Normalises each of `groups` channel groups of x [B, C, ...] to zero mean, unit variance (biased), then x * weight[c] + bias[c]. */
export function groupNorm(ctx: BuildContext, x: Value, weight: Value, bias: Value, groups: number, epsilon: number): Value {
  const channels = x.shape[1];
  if (x.shape.length < 3 || typeof channels !== "number" || channels % groups !== 0) {
    throw new GraphBuildError(`GroupNorm: input ${shapeText(x.shape)} needs a fixed channel count divisible by ${groups} groups`);
  }
  const grouped = reshape(x, [0, groups, -1]);
  const normed = instanceNorm(
    grouped,
    ctx.ones(groups),
    constF32(ctx.graph, new Array<number>(groups).fill(0), [groups], "zeros"),
    epsilon,
  );
  const back = reshapeTo(normed, shapeOf(x), x.shape);
  const axes = Array.from({ length: x.shape.length - 2 }, (_, i) => i + 1);
  return add(mul(back, unsqueeze(weight, axes)), unsqueeze(bias, axes));
}

/** torch.nn.GroupNorm(num_groups, num_channels, eps, affine=True): weight [C], bias [C]. */
export class GroupNorm extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec;

  constructor(
    path: string,
    readonly groups: number,
    readonly channels: number,
    readonly epsilon: number,
  ) {
    super(path);
    if (channels % groups !== 0) throw new GraphBuildError(`GroupNorm ${path}: ${channels} channels do not split into ${groups} groups`);
    this.weight = this.param("weight", [channels]);
    this.bias = this.param("bias", [channels]);
  }

  /** x: [B, C, H, W] -> [B, C, H, W]. */
  forward(ctx: BuildContext, x: Value): Value {
    return groupNorm(ctx, x, ctx.param(this.weight), ctx.param(this.bias), this.groups, this.epsilon);
  }
}
