/** Cosine similarity of embeddings, the comparison behind CLIP-I, CLIP-T and DINO. */
import { InvalidArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";

/** a . b / (|a| |b|); 0 when either vector is zero (as after torch's normalize with its eps). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new InvalidArgumentError(`cosine: vectors of ${a.length} and ${b.length} values`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const norm = Math.sqrt(na) * Math.sqrt(nb);
  return norm === 0 ? 0 : dot / norm;
}

/** Row `i` of embeddings [N, D]. */
export function embeddingRow(embeddings: Tensor<"f32">, i: number): Float32Array {
  const [n, d] = embeddings.dims as [number, number];
  if (embeddings.dims.length !== 2 || i < 0 || i >= n) {
    throw new InvalidArgumentError(`embedding row ${i} of a [${embeddings.dims.join(", ")}] tensor: expected [N, D] with N > ${i}`);
  }
  return embeddings.data.subarray(i * d, (i + 1) * d);
}
