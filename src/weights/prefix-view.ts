/** A view of the tensors whose names start with a prefix, under the names without it. */
import { MissingTensorError } from "./errors.js";
import { sampleNames } from "./sample-names.js";
import type { TensorSource } from "./source.js";

/**
 * E.g. a ComfyUI checkpoint's "model.diffusion_model.img_in.weight" seen as "img_in.weight".
 * Names without the prefix are hidden. Entries keep their byte ranges; close() closes `source`.
 */
export function stripPrefixView(source: TensorSource, prefix: string): TensorSource {
  if (prefix === "") return source;
  const names = source
    .names()
    .filter((n) => n.startsWith(prefix))
    .map((n) => n.slice(prefix.length));
  const known = new Set(names);
  const full = (name: string): string => {
    if (!known.has(name)) throw new MissingTensorError(name, source.description, `looked for ${prefix}${name}; ${sampleNames(names)}`);
    return prefix + name;
  };
  return {
    description: source.description,
    names: () => [...names],
    has: (name) => known.has(name),
    entry: (name) => ({ ...source.entry(full(name)), name }),
    read: async (name) => source.read(full(name)),
    readF32: async (name) => source.readF32(full(name)),
    metadata: () => source.metadata(),
    close: () => source.close(),
  };
}
