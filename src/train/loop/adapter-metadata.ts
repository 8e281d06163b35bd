/**
 * The __metadata__ of the adapter files a run writes. The tensors use ICEdit's own PEFT keys
 * (transformer.<module>.lora_A.weight, lora_A.expert_<e>.weight, lora_route.weight), which
 * `icedit edit --lora` and ICEdit's Python loader read without help; the metadata adds:
 *   format                 "pt", as torch's safetensors writer puts it;
 *   lora_adapter_metadata  diffusers' LoraConfig JSON (transformer.r, transformer.lora_alpha, ...),
 *                          which the project's reader uses for the plain modules' alpha / r;
 *   golden_moe             (LoRA-MoE only) experts, top_k, ranks and alphas, in the form of the
 *                          golden adapters; files do not otherwise store top_k (ICEdit's loader
 *                          assumes 1; `icedit edit` takes --moe-top-k);
 *   icedit_method          (Kontext adapters only) "kontext": trained on FLUX.1 Kontext [dev], for
 *                          its edits (the tensors' keys are the same as ICEdit's).
 * ICEdit's loader forces the experts' alpha to their rank (scaling 1), so expert_alpha = expert_rank.
 */
import { METHOD_METADATA_KEY } from "../../weights/lora/method.js";
import { LORA_METADATA_KEY } from "../../weights/lora/scaling.js";

export interface AdapterShape {
  readonly kind: "lora" | "moe";
  readonly rank: number;
  readonly alpha: number;
  /** MoE only. */
  readonly experts: number;
  /** MoE only. */
  readonly topK: number;
  /** The diffusers module names adapted (for LoraConfig.target_modules). */
  readonly targetModules: readonly string[];
  /** The editing method trained for; absent or "icedit": ICEdit (no metadata entry, as before). */
  readonly method?: "icedit" | "kontext";
}

export { METHOD_METADATA_KEY };

export function adapterFileMetadata(shape: AdapterShape): Record<string, string> {
  const loraConfig = {
    "transformer.r": shape.rank,
    "transformer.lora_alpha": shape.alpha,
    "transformer.target_modules": [...shape.targetModules],
    "transformer.init_lora_weights": "gaussian",
    "transformer.use_dora": false,
    "transformer.use_rslora": false,
  };
  const metadata: Record<string, string> = { format: "pt", [LORA_METADATA_KEY]: JSON.stringify(loraConfig) };
  if (shape.method === "kontext") metadata[METHOD_METADATA_KEY] = "kontext";
  if (shape.kind === "moe") {
    metadata["golden_moe"] = JSON.stringify({
      num_experts: shape.experts,
      top_k: shape.topK,
      expert_rank: shape.rank,
      expert_alpha: shape.rank,
      plain_rank: shape.rank,
      plain_alpha: shape.alpha,
      moe_type: "token_wise",
    });
  }
  return metadata;
}
