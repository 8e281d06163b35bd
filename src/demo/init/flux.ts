/**
 * The random-init recipe of the golden T1 model (docs/golden.md §8): small linears, stronger
 * modulation and embedder weights so the conditioning is O(1), RMS scales near 1.
 */
import type { ParamSpec } from "../../nn/module.js";
import type { InitRule } from "../random-weights.js";

export function fluxInitRule(p: ParamSpec): InitRule {
  const path = p.path;
  if (path.endsWith(".scale")) return { mean: 1, std: 0.1 };
  if (path.endsWith(".bias")) return { std: 0.01 };
  if (/^(time_in|guidance_in|vector_in)\./.test(path)) return { std: 0.1 };
  if (/(_mod\.lin|modulation\.lin|adaLN_modulation\.1)\.weight$/.test(path)) return { std: 0.05 };
  return { std: 0.02 };
}
