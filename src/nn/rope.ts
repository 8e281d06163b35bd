/**
 * Rotary position embedding over several position axes (FLUX's EmbedND), computed on the host:
 * the graph gets cos/sin tables as inputs and rotates adjacent pairs with ONNX RotaryEmbedding.
 */
import { InvalidArgumentError } from "../errors.js";

export interface RopeTables {
  /** [S, sum(axesDim)/2] each, row-major. */
  readonly cos: Float32Array;
  readonly sin: Float32Array;
  readonly positions: number;
  readonly pairs: number;
}

/**
 * ids: [S, axes] positions (float). For axis a of size d, pair j rotates by
 * pos_a * theta^(-2j/d) (computed in float64 like the reference, then rounded to float32).
 */
export function ropeTables(ids: Float32Array, axesDim: readonly number[], theta: number): RopeTables {
  const axes = axesDim.length;
  if (ids.length % axes !== 0) throw new InvalidArgumentError(`RoPE ids: ${ids.length} values are not a multiple of ${axes} axes`);
  for (const d of axesDim) if (d % 2 !== 0) throw new InvalidArgumentError(`RoPE axis sizes must be even, got [${axesDim}]`);
  const positions = ids.length / axes;
  const pairs = axesDim.reduce((s, d) => s + d, 0) / 2;
  const omegas: number[] = [];
  for (const d of axesDim) for (let j = 0; j < d; j += 2) omegas.push(1 / theta ** (j / d));
  const cos = new Float32Array(positions * pairs);
  const sin = new Float32Array(positions * pairs);
  for (let s = 0; s < positions; s++) {
    let p = 0;
    axesDim.forEach((d, a) => {
      const pos = ids[s * axes + a] ?? 0;
      for (let j = 0; j < d / 2; j++, p++) {
        const angle = pos * (omegas[p] ?? 0);
        cos[s * pairs + p] = Math.cos(angle);
        sin[s * pairs + p] = Math.sin(angle);
      }
    });
  }
  return { cos, sin, positions, pairs };
}
