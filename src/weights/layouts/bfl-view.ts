/**
 * A FLUX transformer checkpoint seen under BFL key names, whatever its layout, so the model
 * loader asks for `double_blocks.3.img_attn.qkv.weight` and nothing else.
 */
import { BYTES_PER_ELEMENT, numel, type Tensor } from "../../tensor.js";
import { MissingTensorError } from "../errors.js";
import { stripPrefixView } from "../prefix-view.js";
import { sampleNames } from "../sample-names.js";
import type { TensorEntry, TensorSource } from "../source.js";
import { toF32 } from "../to-f32.js";
import { bflDims, toBfl, type FluxRow } from "./apply-row.js";
import { fluxKeyFormat } from "./flux-detect.js";
import { planFluxConversion } from "./flux-plan.js";

/**
 * BFL layout without prefix: `source` itself. BFL with "model.diffusion_model.": a renaming view.
 * diffusers: a converting view, checked on creation (complete, consistent shapes), reading lazily:
 * read() stacks / swaps the stored tensors in their dtype (mixed dtypes stack as float32).
 * entry() of a renamed tensor is the stored entry under the BFL name; of a computed tensor
 * (qkv, linear1, final adaLN) it is synthetic: fileOffset -1, dims/dtype/byteLength of the result,
 * `derivedFrom` the stored entries. close() closes `source`.
 */
export function bflView(source: TensorSource): TensorSource {
  const format = fluxKeyFormat(source.names(), source.description);
  if (format.layout === "bfl") return stripPrefixView(source, format.prefix);
  const plan = planFluxConversion(source, "diffusers");
  const stored = plan.source;
  const file = source.description;
  const rowOf = new Map<string, FluxRow>(plan.rows.map((r) => [r.bfl, r]));
  const row = (name: string): FluxRow => {
    const r = rowOf.get(name);
    if (r === undefined)
      throw new MissingTensorError(name, file, `not derivable from this diffusers checkpoint; ${sampleNames([...rowOf.keys()])}`);
    return r;
  };
  const entry = (name: string): TensorEntry => {
    const r = row(name);
    const parts = r.diffusers.map((n) => stored.entry(n));
    const first = parts[0];
    if (r.transform.kind === "none" && first !== undefined) return { ...first, name };
    const dims = bflDims(
      r,
      parts.map((p) => p.dims),
      plan.sizes,
      file,
    );
    const dtype = parts.every((p) => p.dtype === first?.dtype) && first !== undefined ? first.dtype : "f32";
    return { name, dtype, dims, file, fileOffset: -1, byteLength: numel(dims) * BYTES_PER_ELEMENT[dtype], derivedFrom: parts };
  };
  const read = async (name: string): Promise<Tensor> => toBfl(row(name), (n) => stored.read(n), plan.sizes, file);
  return {
    description: file,
    names: () => [...rowOf.keys()],
    has: (name) => rowOf.has(name),
    entry,
    read,
    readF32: async (name) => toF32(await read(name), name, file),
    metadata: () => source.metadata(),
    close: () => source.close(),
  };
}
