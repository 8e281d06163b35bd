/**
 * What a trainable adapter is made of: per adapted module (diffusers name) the layer and output
 * rows it updates (weights/lora's LoraTarget) and the keys of its tensors, which are the names of
 * the training graph's inputs, of the optimizer state and of the saved file.
 */
import type { LoraTarget } from "../../weights/lora/targets.js";

/** y[rows] += scaling * B (A x). */
export interface PlainModule {
  readonly kind: "plain";
  readonly module: string;
  readonly target: LoraTarget;
  /** Key of A [r, in] (in may be narrower than the layer: zero-padded, as diffusers does for img_in). */
  readonly a: string;
  /** Key of B [rows, r]. */
  readonly b: string;
  readonly rank: number;
  /** alpha / r. */
  readonly scaling: number;
}

/** ICEdit's token-wise MoE-LoRA: y[rows] += sum_e w_e * expertScaling * B_e (A_e x), w from the top-k router logits. */
export interface MoeModule {
  readonly kind: "moe";
  readonly module: string;
  readonly target: LoraTarget;
  readonly experts: readonly { readonly a: string; readonly b: string }[];
  /** Key of the router [E, in]. */
  readonly route: string;
  readonly rank: number;
  readonly expertScaling: number;
  readonly topK: number;
}

export type TrainableModule = PlainModule | MoeModule;

/** Every tensor key of a module, in a fixed order (A, B; or each expert's A, B, then the router). */
export function moduleKeys(m: TrainableModule): string[] {
  return m.kind === "plain" ? [m.a, m.b] : [...m.experts.flatMap((e) => [e.a, e.b]), m.route];
}
