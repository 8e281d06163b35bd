/** Test helpers for adapter files: random low-rank pairs and the T1 model's LoRA targets. */
import { Flux } from "../../src/models/flux/model.js";
import { GOLDEN_T1 } from "../../src/models/flux/params.js";
import type { Prng } from "../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { LoraTargets } from "../../src/weights/lora/index.js";

export const T1_TARGETS = LoraTargets.fromParams(new Flux(GOLDEN_T1).parameters());

export function randomMatrix(prng: Prng, dims: readonly number[], std = 0.05): Tensor<"f32"> {
  const t = tensor("f32", dims);
  prng.fillNormal(t.data, std);
  return t;
}

export function scalar(value: number): Tensor<"f32"> {
  return tensor("f32", [], Float32Array.of(value));
}

export function same(actual: Tensor, expected: Tensor): boolean {
  return actual.dims.join() === expected.dims.join() && actual.data.every((v, i) => v === expected.data[i]);
}
