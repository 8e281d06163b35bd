/** The initial weights of a VAE trained from scratch: the demo's seeded VAE init (src/demo/init/vae.ts), by BFL key. */
import { vaeInitRule } from "../../demo/init/vae.js";
import { randomTensors } from "../../demo/random-weights.js";
import { AutoEncoder } from "../../models/vae/model.js";
import type { VaeParams } from "../../models/vae/params.js";
import type { Tensor } from "../../tensor.js";

export function initialVaeWeights(params: VaeParams, seed: number): Map<string, Tensor<"f32">> {
  return randomTensors(new AutoEncoder(params).parameters(), seed, vaeInitRule);
}
