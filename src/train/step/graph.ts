/**
 * ICEdit's training step as one ONNX graph (golden README §10, spec §3), or a Kontext adapter's
 * (the condition's tokens after the noisy ones, their outputs cut off): the FLUX transformer with
 * the adapter's tensors as inputs, the flow-matching loss, and the gradient of the loss with
 * respect to every adapter tensor (autodiff appends the backward nodes to the same graph). The
 * frozen base binds as in inference (float initializers or MatMulNBits codes) and gets no gradient.
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { shapeOf, sliceToEnds } from "../../onnx/ops/index.js";
import { AdapterBuildContext } from "../../nn/adapter-context.js";
import type { ParamBinder } from "../../nn/module.js";
import { addFluxInputs, type Flux } from "../../models/flux/model.js";
import { TrainableAdapterSet } from "../adapter/adapter-set.js";
import { TrainableAdapterError } from "../adapter/errors.js";
import type { TrainableAdapter } from "../adapter/trainable-adapter.js";
import { addFlowMatchingLoss, TARGET_INPUT } from "./flow-loss.js";

export { gradOutput, LOSS_OUTPUT, PRED_OUTPUT, TARGET_INPUT } from "./flow-loss.js";

export interface TrainingGraphOptions {
  readonly name?: string;
  /**
   * Gradient checkpointing per transformer block (default on): activations are kept for one block
   * at a time and the block inputs, instead of for every block.
   */
  readonly checkpointing?: boolean;
  /**
   * Kontext: img holds the noisy tokens followed by condition tokens; the prediction is cut back to
   * the target's (noisy) tokens before the loss, so the condition tokens get none. Default false
   * (ICEdit: every token is noisy).
   */
  readonly conditionTokens?: boolean;
}

/**
 * Inputs: the transformer's (img [B, L, in] = concat(x_t, img_cond), or with conditionTokens
 * [B, Ln + Lc, in] = concat(x_t, cond) on the sequence axis; txt, y, timestep_emb, guidance_emb,
 * pe_cos, pe_sin), target [B, Ln, out] and every adapter tensor under its key. Outputs: loss =
 * mean((pred - target)^2) over all B*Ln*out elements (a scalar), pred [B, Ln, out] (the first Ln
 * tokens of the transformer's output), and grad.<key> for every adapter tensor.
 */
export function buildTrainingGraph(model: Flux, binder: ParamBinder, adapter: TrainableAdapter, options: TrainingGraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "flux_training_step");
  const params = new Map<string, Value>(adapter.keys.map((key) => [key, g.addInput(key, "f32", adapter.dims(key))]));
  const adapters = new TrainableAdapterSet(adapter, params);
  const ctx = new AdapterBuildContext(g, binder, new Set(), adapters);
  const inputs = addFluxInputs(g, model);
  const target = g.addInput(TARGET_INPUT, "f32", ["B", options.conditionTokens ? "Ln" : "L", model.params.outChannels]);
  const out = model.forward(ctx, inputs);
  // Kontext: the condition tokens' outputs are dropped, as inference drops them; the loss covers the noisy tokens only.
  const pred = options.conditionTokens ? sliceToEnds(out, [1], shapeOf(target, 1, 2), ["Ln"]) : out;
  const missed = adapters.unapplied();
  if (missed.length > 0) throw new TrainableAdapterError(`the model has no linear layer ${missed.join(", ")} that the adapter trains`);
  // Checkpointing: each block's forward is recomputed in the backward pass (autodiff/recompute.ts).
  addFlowMatchingLoss(g, pred, target, params, options.checkpointing === false ? [] : ctx.segments);
  return g;
}
