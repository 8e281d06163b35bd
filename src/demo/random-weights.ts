/** Random weights for declared parameters (demo models, benchmarks, tests): seeded and deterministic. */
import { Prng } from "../numeric/prng.js";
import { tensor, type Tensor } from "../tensor.js";

export interface ParamShape {
  readonly path: string;
  readonly shape: readonly number[];
}

/** How to draw one parameter: N(mean, std^2). */
export interface InitRule {
  readonly std: number;
  readonly mean?: number;
}

export function randomTensors(params: readonly ParamShape[], seed: number, rule: (p: ParamShape) => InitRule): Map<string, Tensor<"f32">> {
  const prng = new Prng(seed);
  const out = new Map<string, Tensor<"f32">>();
  for (const p of params) {
    const t = tensor("f32", p.shape);
    const { std, mean = 0 } = rule(p);
    prng.fillNormal(t.data, std, mean);
    out.set(p.path, t);
  }
  return out;
}
