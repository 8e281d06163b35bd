/**
 * Training images for the VAE: scenes of the synthetic world (src/demo/scenes), drawn at a size and
 * stacked as the VAE takes them, [B, 3, size, size] float32 p / 127.5 - 1 (the fill pipeline's imageToTensor).
 */
import { renderScene } from "../../demo/scenes/render.js";
import { HELD_OUT_FIRST_SEED, sampleScene } from "../../demo/scenes/sample-scene.js";
import { imageToTensor } from "../../pipelines/fill/pixels.js";
import { tensor, type Tensor } from "../../tensor.js";
import { VaeTrainingError } from "./errors.js";

export { HELD_OUT_FIRST_SEED };

/**
 * seeds: B * panels scene seeds -> [B, 3, size, panels * size] in [-1, 1]: each image is `panels`
 * scenes side by side, seeds in order (panels 2: the 2:1 diptych an ICEdit edit encodes and decodes).
 */
export function sceneBatch(seeds: readonly number[], size: number, panels = 1): Tensor<"f32"> {
  if (!Number.isInteger(panels) || panels < 1 || seeds.length % panels !== 0)
    throw new VaeTrainingError(`sceneBatch: ${seeds.length} seeds do not fill images of ${panels} scenes each`);
  const batch = seeds.length / panels;
  const width = panels * size;
  const out = new Float32Array(batch * 3 * size * width);
  seeds.forEach((seed, i) => {
    const b = Math.floor(i / panels);
    const x0 = (i % panels) * size;
    const scene = imageToTensor(renderScene(sampleScene(seed), { size })).data;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        const from = (c * size + y) * size;
        out.set(scene.subarray(from, from + size), ((b * 3 + c) * size + y) * width + x0);
      }
    }
  });
  return tensor("f32", [batch, 3, size, width], out);
}
