/**
 * Random weights for CLIP text models with the golden C1 recipe (manifest configs.C1.init), for
 * demo models, tests and benchmarks: token embedding N(0, 1), position embedding N(0, 0.5^2),
 * linear weights N(0, 1/fan_in) and biases N(0, 0.1^2), LayerNorm weights 1 + 0.1 N and biases 0.05 N.
 */
import type { Tensor } from "../../tensor.js";
import { randomTensors, type InitRule, type ParamShape } from "../random-weights.js";
import type { ClipTextConfig } from "../../models/clip/config.js";
import { ClipTextTransformer } from "../../models/clip/model.js";

const LAYER_NORM = /(^|\.)(layer_norm1|layer_norm2|final_layer_norm)\.(weight|bias)$/;

export function clipTextInitRule(p: ParamShape): InitRule {
  const norm = LAYER_NORM.exec(p.path);
  if (norm) return norm[3] === "weight" ? { mean: 1, std: 0.1 } : { std: 0.05 };
  if (p.path.endsWith("token_embedding.weight")) return { std: 1 };
  if (p.path.endsWith("position_embedding.weight")) return { std: 0.5 };
  if (p.path.endsWith(".bias")) return { std: 0.1 };
  return { std: 1 / Math.sqrt(p.shape[1] ?? 1) };
}

/**
 * Every tensor of a CLIPTextModel checkpoint drawn with clipTextInitRule, under the keys
 * transformers 4.x writes (`text_model.` prefix; pass prefix "" for the 5.x form).
 */
export function randomClipTextWeights(config: ClipTextConfig, seed: number, prefix = "text_model."): Map<string, Tensor<"f32">> {
  const drawn = randomTensors(new ClipTextTransformer(config).parameters(), seed, clipTextInitRule);
  return new Map([...drawn].map(([name, t]) => [`${prefix}${name}`, t]));
}
