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

/** Key suffixes of a low-rank pair: diffusers/PEFT `lora_A`/`lora_B`, kohya `lora_down`/`lora_up`. */
export const PEFT_KEYS = ["lora_A.weight", "lora_B.weight"] as const;
export const KOHYA_KEYS = ["lora_down.weight", "lora_up.weight"] as const;

/** A random pair for `module`: down [rank, inF] then up [outF, rank], drawn from `prng` in that order. */
export function randomPair(
  prng: Prng,
  module: string,
  [down, up]: readonly [string, string],
  rank: number,
  inF: number,
  outF: number,
): Record<string, Tensor<"f32">> {
  return { [`${module}.${down}`]: randomMatrix(prng, [rank, inF]), [`${module}.${up}`]: randomMatrix(prng, [outF, rank]) };
}

export function scalar(value: number): Tensor<"f32"> {
  return tensor("f32", [], Float32Array.of(value));
}

export function same(actual: Tensor, expected: Tensor): boolean {
  return actual.dims.join() === expected.dims.join() && actual.data.every((v, i) => v === expected.data[i]);
}
