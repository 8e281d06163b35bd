/**
 * The finite-difference check of the training steps' gradients: along g / |g| the directional
 * derivative of the loss is |g|, so one central difference per tensor (step eps) is a
 * well-conditioned float32 test of the whole gradient.
 */
import assert from "node:assert/strict";
import type { Tensor } from "../../../src/tensor.js";

/**
 * For each key: |g| must match (loss(p + eps g/|g|) - loss(p - eps g/|g|)) / (2 eps) within
 * 1e-5 + 2% of |g|, and |g| must be large enough to check. `loss` reads `params` as they are.
 */
export async function checkAlongGradients(
  keys: readonly string[],
  params: ReadonlyMap<string, Tensor<"f32">>,
  grads: ReadonlyMap<string, Tensor<"f32">>,
  loss: () => Promise<number>,
  eps = 0.05,
): Promise<void> {
  for (const key of keys) {
    const p = params.get(key);
    assert.ok(p, `no parameter ${key}`);
    const g = grads.get(key)?.data ?? new Float32Array();
    const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    const start = p.data.slice();
    const moved = async (sign: number): Promise<number> => {
      p.data.set(start.map((v, i) => v + (sign * eps * (g[i] as number)) / norm));
      return loss();
    };
    const numeric = ((await moved(1)) - (await moved(-1))) / (2 * eps);
    p.data.set(start);
    assert.ok(norm > 5e-5, `${key} has a gradient to check (${norm})`);
    assert.ok(Math.abs(norm - numeric) <= 1e-5 + 0.02 * norm, `${key}: |g| ${norm} vs finite difference ${numeric}`);
  }
}
