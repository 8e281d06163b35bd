/**
 * The sizes every patch-embedding vision transformer here shares (CLIP's image tower, the DINO
 * ViT): square images cut into patches, a CLS token in front, pre-norm encoder layers.
 */
export interface VisionTowerSizes {
  /** The square input side in pixels; the position table has (imageSize / patchSize)^2 + 1 rows. */
  readonly imageSize: number;
  readonly patchSize: number;
  readonly numChannels: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly layerNormEps: number;
}

/** Checks the sizes (each failure through `fail`); returns the head size, the patches per side and the token count (CLS + patches). */
export function checkVisionTowerSizes(
  c: VisionTowerSizes,
  fail: (message: string) => never,
): { headDim: number; grid: number; tokens: number } {
  const sizes = ["imageSize", "patchSize", "numChannels", "hiddenSize", "intermediateSize", "numLayers", "numHeads"] as const;
  for (const key of sizes) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) fail(`${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.hiddenSize % c.numHeads !== 0) fail(`hidden_size ${c.hiddenSize} is not divisible by num_attention_heads ${c.numHeads}`);
  if (c.imageSize % c.patchSize !== 0) fail(`image_size ${c.imageSize} is not a multiple of patch_size ${c.patchSize}`);
  if (!(c.layerNormEps > 0)) fail(`layer_norm_eps must be positive, got ${c.layerNormEps}`);
  const grid = c.imageSize / c.patchSize;
  return { headDim: c.hiddenSize / c.numHeads, grid, tokens: grid * grid + 1 };
}
