/**
 * The flow-matching loss of a training graph and its outputs, shared by the adapter step
 * (graph.ts) and full-parameter training (train/base): loss = mean((pred - target)^2), the
 * prediction, and one gradient output per trained tensor.
 */
import { gradients, type NodeRange } from "../../autodiff/index.js";
import type { Graph, Value } from "../../onnx/graph.js";
import { mul, reduceMean, sub } from "../../onnx/ops/index.js";

/** Graph input: the velocity target noise - x0, [B, L, out_channels]. */
export const TARGET_INPUT = "target";
export const LOSS_OUTPUT = "loss";
export const PRED_OUTPUT = "pred";

/** The output holding dL/d(tensor `key`). */
export function gradOutput(key: string): string {
  return `grad.${key}`;
}

/**
 * pred, target: [B, L, C] -> loss: [] (mean over all B*L*C elements). Adds the outputs loss, pred
 * and grad.<key> (shaped like the tensor) for every entry of `trained`; `recompute`: the forward
 * node ranges rebuilt in the backward pass (gradient checkpointing).
 */
export function addFlowMatchingLoss(
  g: Graph,
  pred: Value,
  target: Value,
  trained: ReadonlyMap<string, Value>,
  recompute: readonly NodeRange[],
): void {
  const diff = sub(pred, target);
  const loss = reduceMean(mul(diff, diff), null, false);
  const grads = gradients(loss, [...trained.values()], { recompute });
  g.addOutput(loss, LOSS_OUTPUT);
  g.addOutput(pred, PRED_OUTPUT);
  [...trained.keys()].forEach((key, i) => g.addOutput(grads[i] as Value, gradOutput(key)));
}
