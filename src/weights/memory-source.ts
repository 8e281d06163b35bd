/** An in-memory TensorSource over a map of tensors (tests, converted weights, adapters). */
import { BYTES_PER_ELEMENT, type Tensor } from "../tensor.js";
import { MissingTensorError } from "./errors.js";
import { sampleNames } from "./sample-names.js";
import type { TensorEntry, TensorSource } from "./source.js";
import { toF32 } from "./to-f32.js";

/** Entries have fileOffset -1 (no file); read() returns the stored tensors themselves, not copies. */
export function memorySource(
  tensors: Record<string, Tensor> | ReadonlyMap<string, Tensor>,
  description = "(in-memory tensors)",
  metadata: Record<string, string> = {},
): TensorSource {
  const map: ReadonlyMap<string, Tensor> = tensors instanceof Map ? new Map(tensors) : new Map(Object.entries(tensors));
  const get = (name: string): Tensor => {
    const t = map.get(name);
    if (t === undefined) throw new MissingTensorError(name, description, sampleNames([...map.keys()]));
    return t;
  };
  return {
    description,
    names: () => [...map.keys()],
    has: (name) => map.has(name),
    entry: (name): TensorEntry => {
      const t = get(name);
      return {
        name,
        dtype: t.dtype,
        dims: t.dims,
        file: description,
        fileOffset: -1,
        byteLength: t.data.length * BYTES_PER_ELEMENT[t.dtype],
      };
    },
    read: async (name) => get(name),
    readF32: async (name) => toF32(get(name), name, description),
    metadata: () => ({ ...metadata }),
    close: async () => {},
  };
}
