/**
 * Where CLIPTextModel pools (transformers CLIPTextTransformer), per batch row, on the host:
 *   eos_token_id == 2 (legacy; FLUX / openai CLIP-L):  argmax(ids), the first maximum;
 *   otherwise:                                           the first index of eos_token_id, 0 if absent.
 * For tokenizer output both give the first EOS (EOS is the largest id and padding repeats it).
 */
import { InvalidArgumentError } from "../../errors.js";
import { LEGACY_EOS_TOKEN_ID } from "./config.js";

export function clipPooledIndexOfRow(ids: ArrayLike<bigint>, eosTokenId: number): number {
  if (ids.length === 0) throw new InvalidArgumentError("CLIP pooling: a row of token ids is empty");
  if (eosTokenId === LEGACY_EOS_TOKEN_ID) {
    let best = 0;
    for (let i = 1; i < ids.length; i++) if ((ids[i] as bigint) > (ids[best] as bigint)) best = i;
    return best;
  }
  const eos = BigInt(eosTokenId);
  for (let i = 0; i < ids.length; i++) if (ids[i] === eos) return i;
  return 0;
}

/** ids: [B, T] row-major -> the pooled position of each row. */
export function clipPooledIndex(ids: BigInt64Array, dims: readonly number[], eosTokenId: number): number[] {
  if (dims.length !== 2) throw new InvalidArgumentError(`CLIP pooling: ids must be [B, T], got [${dims.join(", ")}]`);
  const [batch, length] = dims as [number, number];
  return Array.from({ length: batch }, (_, b) => clipPooledIndexOfRow(ids.subarray(b * length, (b + 1) * length), eosTokenId));
}
