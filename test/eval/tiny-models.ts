/** Tiny CLIPModel and DINO ViT configs with random weights (in memory) for the metric tests. */
import { CLIP_TEXT_TINY } from "../../src/models/clip/config.js";
import type { ClipModelConfig } from "../../src/models/clip/clip-config.js";
import { ClipModel } from "../../src/models/clip/clip-model.js";
import type { VitConfig } from "../../src/models/vit/config.js";
import { VitModel } from "../../src/models/vit/model.js";
import { randomTensors, type InitRule, type ParamShape } from "../../src/demo/random-weights.js";
import type { Tensor } from "../../src/tensor.js";

export const TINY_CLIP: ClipModelConfig = {
  text: { ...CLIP_TEXT_TINY, hiddenSize: 32, intermediateSize: 64, numHeads: 2, eosTokenId: 999, projectionDim: 16 },
  vision: {
    imageSize: 32,
    patchSize: 8,
    numChannels: 3,
    hiddenSize: 48,
    intermediateSize: 64,
    numLayers: 2,
    numHeads: 3,
    layerNormEps: 1e-5,
    hiddenAct: "quick_gelu",
  },
  projectionDim: 16,
};

export const TINY_VIT: VitConfig = {
  imageSize: 24,
  patchSize: 8,
  numChannels: 3,
  hiddenSize: 32,
  intermediateSize: 48,
  numLayers: 2,
  numHeads: 2,
  layerNormEps: 1e-6,
  hiddenAct: "gelu",
  qkvBias: true,
};

function rule(p: ParamShape): InitRule {
  if (/(norm\d?|layrnorm|layernorm(_before|_after)?)\.weight$/.test(p.path)) return { mean: 1, std: 0.1 };
  if (p.path.endsWith(".bias")) return { std: 0.05 };
  if (p.shape.length === 2 && !p.path.includes("embedding")) return { std: 1 / Math.sqrt(p.shape[1] as number) };
  return { std: 0.5 };
}

/** Every CLIPModel tensor under its Hugging Face key. */
export function randomClipModelWeights(config: ClipModelConfig, seed: number): Map<string, Tensor<"f32">> {
  return randomTensors(new ClipModel(config).parameters(), seed, rule);
}

/** Every ViTModel tensor under its classic Hugging Face key. */
export function randomVitWeights(config: VitConfig, seed: number): Map<string, Tensor<"f32">> {
  return randomTensors(new VitModel(config).parameters(), seed, rule);
}
