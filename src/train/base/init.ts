/**
 * The initial weights of a from-scratch run: every transformer parameter drawn, seeded, by the
 * demo models' FLUX init recipe (src/demo/init/flux.ts), keyed by its BFL checkpoint key.
 */
import { fluxInitRule } from "../../demo/init/flux.js";
import { randomTensors } from "../../demo/random-weights.js";
import { Flux } from "../../models/flux/model.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Tensor } from "../../tensor.js";

export function initialBaseWeights(params: FluxParams, seed: number): Map<string, Tensor<"f32">> {
  return randomTensors(new Flux(params).parameters(), seed, fluxInitRule);
}
