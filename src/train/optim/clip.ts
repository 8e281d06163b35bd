/**
 * Gradient clipping by total norm, as `torch.nn.utils.clip_grad_norm_` (norm 2), which Lightning's
 * `gradient_clip_val` calls: one L2 norm over all gradients together, every gradient scaled by
 * min(1, maxNorm / (total + 1e-6)). Sums run in float64.
 */
import { HyperParameterError } from "./errors.js";
import { checkFinite, type Grads } from "./tensors.js";

/** The 1e-6 torch adds to the total norm before dividing. */
export const CLIP_NORM_EPS = 1e-6;

/** The L2 norm of all gradients taken as one vector; throws NonFiniteGradientError naming a bad tensor. */
export function totalGradNorm(grads: Grads): number {
  let sumSq = 0;
  for (const [name, g] of grads) {
    const data = g.data;
    let part = 0;
    for (let i = 0; i < data.length; i++) part += data[i]! * data[i]!;
    if (!Number.isFinite(part)) checkFinite(name, data);
    sumSq += part;
  }
  return Math.sqrt(sumSq);
}

/** Scales every gradient in place when the total norm exceeds `maxNorm`; returns the total norm before clipping. */
export function clipGradNorm(grads: Grads, maxNorm: number): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new HyperParameterError(`gradient clipping max_norm must be a finite number > 0, got ${maxNorm}: fix gradient_clip_val`);
  }
  const total = totalGradNorm(grads);
  const coef = Math.min(1, maxNorm / (total + CLIP_NORM_EPS));
  if (coef < 1) {
    for (const g of grads.values()) {
      const data = g.data;
      for (let i = 0; i < data.length; i++) data[i] = data[i]! * coef;
    }
  }
  return total;
}
