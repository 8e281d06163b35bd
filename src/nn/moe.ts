/**
 * ICEdit's token-wise LoRA-MoE branch (docs/golden.md §4):
 *   logits = x route^T; (v, i) = topk(logits, k); p = softmax(v); w = zeros(E) scattered p at i
 *   y += s * expertScaling * sum_e w_e B_e (A_e x)
 * The experts' A are stacked [E*r, in] (one product gives every expert's hidden state) and their
 * B concatenated [out, E*r], so weighting the hidden state per expert and one product finish it.
 */
import type { Graph, Value } from "../onnx/graph.js";
import { filledLike, gemmTransB, mul, reshape, scatterElements, shapeOf, softmax, topK as topKOp, unsqueeze } from "../onnx/ops/index.js";
import { InvalidArgumentError } from "../errors.js";
import { tensor, type Tensor } from "../tensor.js";
import { weightConstant } from "./lora.js";

export interface MoePart {
  readonly experts: readonly { readonly A: Tensor<"f32">; readonly B: Tensor<"f32"> }[];
  /** [E, in] */
  readonly route: Tensor<"f32">;
  readonly expertScaling: number;
  readonly topK: number;
  readonly rowStart: number;
  readonly rowEnd: number;
}

export interface FusedMoe {
  /** [E*r, in] */
  readonly A: Tensor<"f32">;
  /** [out, E*r], expertScaling folded in, zeros outside the part's rows */
  readonly B: Tensor<"f32">;
  /** [E, in] */
  readonly route: Tensor<"f32">;
  readonly experts: number;
  readonly rank: number;
  readonly topK: number;
}

export function fuseMoe(part: MoePart, inFeatures: number, outFeatures: number): FusedMoe {
  const experts = part.experts.length;
  const rank = part.experts[0]?.A.dims[0] ?? 0;
  if (experts === 0 || rank === 0) throw new InvalidArgumentError("a MoE-LoRA layer needs at least one expert of rank >= 1");
  if (!Number.isInteger(part.topK) || part.topK < 1 || part.topK > experts) {
    throw new InvalidArgumentError(`MoE-LoRA top-k must be between 1 and the ${experts} experts, got ${part.topK}`);
  }
  const rows = part.rowEnd - part.rowStart;
  const width = experts * rank;
  const A = tensor("f32", [width, inFeatures]);
  const B = tensor("f32", [outFeatures, width]);
  part.experts.forEach((e, k) => {
    if (e.A.dims[0] !== rank || e.A.dims[1] !== inFeatures || e.B.dims[0] !== rows || e.B.dims[1] !== rank) {
      throw new InvalidArgumentError(
        `MoE-LoRA expert ${k}: A [${e.A.dims}] B [${e.B.dims}] does not fit rank ${rank}, [${rows} rows, ${inFeatures} inputs]`,
      );
    }
    A.data.set(e.A.data, k * rank * inFeatures);
    for (let i = 0; i < rows; i++) {
      const dst = (part.rowStart + i) * width + k * rank;
      for (let j = 0; j < rank; j++) B.data[dst + j] = (e.B.data[i * rank + j] as number) * part.expertScaling;
    }
  });
  if (part.route.dims[0] !== experts || part.route.dims[1] !== inFeatures) {
    throw new InvalidArgumentError(`MoE-LoRA router [${part.route.dims}] does not fit ${experts} experts and ${inFeatures} inputs`);
  }
  return { A, B, route: part.route, experts, rank, topK: part.topK };
}

/** x: [N, in] -> the routing weights w [N, E]: softmax over the top-k logits, zeros elsewhere. */
export function moeRouteWeights(x: Value, route: Value, topK: number): Value {
  const logits = gemmTransB(x, route, null);
  const top = topKOp(logits, topK, -1);
  const zeros = filledLike(shapeOf(logits), logits.shape);
  return scatterElements(zeros, top.indices, softmax(top.values, -1), 1);
}

/** A MoE-LoRA layer as graph values: constants for inference (moeConstants), graph inputs for training. */
export interface MoeValues {
  /** [E*r, in] */
  readonly A: Value;
  /** [out, E*r], expertScaling applied, zeros outside the module's rows */
  readonly B: Value;
  /** [E, in] */
  readonly route: Value;
  readonly experts: number;
  readonly rank: number;
  readonly topK: number;
}

/** The fused tensors as constants of `g` (named after `name`). */
export function moeConstants(g: Graph, fused: FusedMoe, name: string): MoeValues {
  return {
    route: weightConstant(g, `${name}.lora_route`, fused.route),
    A: weightConstant(g, `${name}.lora_A`, fused.A),
    B: weightConstant(g, `${name}.lora_B`, fused.B),
    experts: fused.experts,
    rank: fused.rank,
    topK: fused.topK,
  };
}

/**
 * x: [N, in], y: [N, out], scale: a scalar or null (1) -> y + scale * sum_e w_e B_e (A_e x), and
 * the routing weights w [N, E].
 */
export function moeBranch(x: Value, y: Value, w: MoeValues, scale: Value | null): { y: Value; weights: Value } {
  const weights = moeRouteWeights(x, w.route, w.topK);
  const h = reshape(gemmTransB(x, w.A, null), [-1, w.experts, w.rank]);
  const mixed = reshape(mul(h, unsqueeze(scale ? mul(weights, scale) : weights, [2])), [-1, w.experts * w.rank]);
  return { y: gemmTransB(mixed, w.B, y), weights };
}
