/**
 * Full-parameter training of the FLUX Fill transformer as an in-painting model: the transformer
 * with every weight (or the chosen set the binder makes inputs) as a graph input under its BFL
 * checkpoint key, the flow-matching loss, and the gradient of the loss for each of those weights.
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { BuildContext } from "../../nn/module.js";
import { addFluxInputs, type Flux } from "../../models/flux/model.js";
import { addFlowMatchingLoss, TARGET_INPUT } from "../step/flow-loss.js";
import { BaseTrainingError } from "./errors.js";
import type { InputParamBinder } from "../params/input-binder.js";

export interface BaseTrainingGraphOptions {
  readonly name?: string;
  /** Recompute each transformer block's forward in the backward pass (default on). */
  readonly checkpointing?: boolean;
}

/**
 * Inputs: img [B, L, in] = concat(x_t, img_cond), txt [B, T, ctx], y [B, vec], timestep_emb and
 * guidance_emb [B, 256], pe_cos / pe_sin [B, T+L, head_dim/2], target [B, L, out] = noise - x0, and
 * every weight `binder` binds as an input. Outputs: loss [] = mean((pred - target)^2), pred
 * [B, L, out] and grad.<key> for every such weight, in `binder.keys` order.
 */
export function buildBaseTrainingGraph(model: Flux, binder: InputParamBinder, options: BaseTrainingGraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "flux_base_training_step");
  const ctx = new BuildContext(g, binder);
  const inputs = addFluxInputs(g, model);
  const target = g.addInput(TARGET_INPUT, "f32", ["B", "L", model.params.outChannels]);
  const pred = model.forward(ctx, inputs);
  const bound = binder.boundInputs(g);
  const trained = new Map<string, Value>();
  for (const key of binder.keys) {
    const value = bound.get(key);
    if (!value) throw new BaseTrainingError(`the transformer has no parameter ${key} to train`);
    trained.set(key, value);
  }
  addFlowMatchingLoss(g, pred, target, trained, options.checkpointing === false ? [] : ctx.segments);
  return g;
}
