/**
 * The sinusoidal timestep embedding [cos(s f_k), sin(s f_k)] of FLUX (BFL timestep_embedding),
 * computed on the host with float32 semantics: f_k is torch's float32 table, s = float32(1000 t),
 * and each argument is rounded to float32 before cos/sin. With guidance 50 the arguments reach
 * 5e4 rad, so these roundings decide the result (docs/golden.md §3.1).
 */
import { torchTimestepFreqs } from "../numeric/torch-expf.js";

const FREQ_CACHE = new Map<number, Float32Array>();

function freqs(dim: number): Float32Array {
  let table = FREQ_CACHE.get(dim);
  if (!table) {
    table = torchTimestepFreqs(dim);
    FREQ_CACHE.set(dim, table);
  }
  return table;
}

/** values: [B] (t in [0,1], or guidance) -> [B, dim] float32 rows [cos | sin]. */
export function timestepEmbedding(values: ArrayLike<number>, dim = 256, timeFactor = 1000): Float32Array {
  const f = freqs(dim);
  const half = dim / 2;
  const out = new Float32Array(values.length * dim);
  for (let b = 0; b < values.length; b++) {
    const s = Math.fround(timeFactor * Math.fround(values[b] ?? 0));
    for (let k = 0; k < half; k++) {
      const arg = Math.fround(s * (f[k] ?? 0));
      out[b * dim + k] = Math.cos(arg);
      out[b * dim + half + k] = Math.sin(arg);
    }
  }
  return out;
}
