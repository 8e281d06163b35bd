/**
 * The random-init recipe of the golden V1 VAE (manifest configs.V1.init): conv weights
 * N(0,1)/sqrt(fan_in), conv biases 0.02 N, GroupNorm weights 1 + 0.1 N, GroupNorm biases 0.05 N.
 * Used for benchmarks and test models with the real architecture.
 */
import type { InitRule, ParamShape } from "../random-weights.js";

const NORM = /(^|\.)(norm1|norm2|norm|norm_out)\.(weight|bias)$/;

export function vaeInitRule(p: ParamShape): InitRule {
  const norm = NORM.exec(p.path);
  if (norm) return norm[3] === "weight" ? { mean: 1, std: 0.1 } : { std: 0.05 };
  if (p.path.endsWith(".bias")) return { std: 0.02 };
  const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
  return { std: 1 / Math.sqrt(fanIn) };
}
