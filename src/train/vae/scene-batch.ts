/**
 * Training images for the VAE: scenes of the synthetic world (src/demo/scenes), drawn at a size and
 * stacked as the VAE takes them, [B, 3, size, size] float32 p / 127.5 - 1 (the fill pipeline's imageToTensor).
 */
import { renderScene } from "../../demo/scenes/render.js";
import { HELD_OUT_FIRST_SEED, sampleScene } from "../../demo/scenes/sample-scene.js";
import { imageToTensor } from "../../pipelines/fill/pixels.js";
import { tensor, type Tensor } from "../../tensor.js";

export { HELD_OUT_FIRST_SEED };

/** seeds: B scene seeds -> [B, 3, size, size] in [-1, 1]. */
export function sceneBatch(seeds: readonly number[], size: number): Tensor<"f32"> {
  const one = 3 * size * size;
  const out = new Float32Array(seeds.length * one);
  seeds.forEach((seed, b) => out.set(imageToTensor(renderScene(sampleScene(seed), { size })).data, b * one));
  return tensor("f32", [seeds.length, 3, size, size], out);
}
