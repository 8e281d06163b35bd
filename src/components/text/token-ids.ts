/** What both text encoders share: the token-id check and the hints about a checkpoint's counted blocks and sizes. */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, type Tensor } from "../../tensor.js";
import type { MismatchHint } from "../params/load-params.js";

/** Token ids a text encoder cannot take (dtype, rank, length, an id outside the vocabulary). */
export class TextEncoderInputError extends InvalidArgumentError {}

export /** Checks ids [B, T] (i64, every id in [0, vocab)); returns B and T. */
function checkIds(what: string, ids: Tensor, vocab: number, maxLength?: number): { batch: number; length: number } {
  if (ids.dtype !== "i64") throw new TextEncoderInputError(`${what}: token ids must be int64, got ${ids.dtype}`);
  if (ids.dims.length !== 2) {
    const hint = ids.dims.length === 1 ? ` (one sequence? pass it as [1, ${ids.dims[0]}])` : "";
    throw new TextEncoderInputError(`${what}: token ids must be [B, T], got shape ${shapeString(ids.dims)}${hint}`);
  }
  const [batch, length] = ids.dims as [number, number];
  if (batch < 1 || length < 1) throw new TextEncoderInputError(`${what}: token ids are empty: ${shapeString(ids.dims)}`);
  if (maxLength !== undefined && length > maxLength) {
    throw new TextEncoderInputError(
      `${what}: ${length} tokens is more than its ${maxLength} positions: truncate the ids to ${maxLength} (FLUX's CLIP tokenizer pads and truncates to 77)`,
    );
  }
  const data = ids.data as BigInt64Array;
  const top = BigInt(vocab);
  for (let i = 0; i < data.length; i++) {
    const id = data[i] as bigint;
    if (id < 0n || id >= top) {
      const at = `[${Math.floor(i / length)}, ${i % length}]`;
      throw new TextEncoderInputError(
        `${what}: token id ${id} at ${at} is outside the vocabulary (vocab_size ${vocab}): were the ids made by this model's tokenizer?`,
      );
    }
  }
  return { batch, length };
}

export /** The highest `prefix{i}.` index in the names, plus one (0 when none). */
function countIndexed(names: readonly string[], prefix: string): number {
  let count = 0;
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const i = Number.parseInt(n.slice(prefix.length), 10);
    if (Number.isInteger(i)) count = Math.max(count, i + 1);
  }
  return count;
}

export function sizesHint(what: string, sizes: string): MismatchHint {
  return () =>
    `the checkpoint does not have the sizes of the configured ${what} (${sizes}): check that config.json belongs to these weights`;
}
