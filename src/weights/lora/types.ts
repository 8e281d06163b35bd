/**
 * The format-independent description of an adapter file: for every linear layer of the model
 * (BFL name, e.g. "double_blocks.3.img_attn.qkv") the low-rank updates of some of its output rows.
 * Every tensor is float32, whatever the file stored.
 */
import type { Tensor } from "../../tensor.js";

/** The adapter formats this project reads (see readLoraAdapter). */
export type LoraFormat = "diffusers-peft" | "diffusers-peft+icedit-moe" | "bfl-peft" | "kohya" | "comfyui-kohya" | "xlabs";

/** y[rowStart:rowEnd] += scaling * B (A x) (+ scaling * bias). */
export interface LowRankUpdate {
  /** The module as the file names it, without the "transformer." prefix. */
  readonly module: string;
  /** [r, in] */
  readonly A: Tensor<"f32">;
  /** [rowEnd - rowStart, r] */
  readonly B: Tensor<"f32">;
  /** [rowEnd - rowStart] or null (only BFL control LoRAs have a lora_B bias). */
  readonly bias: Tensor<"f32"> | null;
  readonly rowStart: number;
  readonly rowEnd: number;
  /** alpha / r (1 when the file has no alpha). */
  readonly scaling: number;
}

export interface Expert {
  /** [r, in] */
  readonly A: Tensor<"f32">;
  /** [rowEnd - rowStart, r] */
  readonly B: Tensor<"f32">;
}

/**
 * ICEdit's token-wise LoRA-MoE: logits = x route^T, the top-k logits softmaxed and scattered back
 * to their experts (w), y[rows] += sum_e w_e * expertScaling * B_e (A_e x).
 */
export interface MoeUpdate {
  readonly module: string;
  readonly experts: readonly Expert[];
  /** [E, in] */
  readonly route: Tensor<"f32">;
  readonly expertScaling: number;
  readonly topK: number;
  readonly rowStart: number;
  readonly rowEnd: number;
}

/** Everything one adapter file does to one linear layer. */
export interface LayerUpdates {
  /** BFL linear name, e.g. "single_blocks.0.linear1". */
  readonly linear: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly plain: readonly LowRankUpdate[];
  readonly moe: readonly MoeUpdate[];
}

export interface LoraDescription {
  /** The file (its TensorSource description). */
  readonly source: string;
  readonly format: LoraFormat;
  /** Keyed by BFL linear name, in model order. */
  readonly layers: ReadonlyMap<string, LayerUpdates>;
  /** Modules (LoRA pairs or MoE groups) applied, and all modules of the file but text-encoder ones. */
  readonly matchedModules: number;
  readonly totalModules: number;
  /** Keys not applied: unmatched modules, text-encoder keys, unsupported extras. */
  readonly ignoredKeys: readonly string[];
  /** Human-readable notes for the user (partial match, ignored text-encoder keys, zero padding). */
  readonly warnings: readonly string[];
  /** Whether any layer has a MoE update (such an adapter cannot be merged). */
  readonly hasMoe: boolean;
}
