/**
 * A VAE checkpoint seen under BFL key names (ae.safetensors), whatever its layout, and eager
 * conversion between the BFL and diffusers layouts. Tensors keep their stored dtype and bytes: the
 * only transform, squeeze_1x1, changes dims, never data.
 */
import { MissingTensorError, ShapeMismatchError } from "../errors.js";
import { stripPrefixView } from "../prefix-view.js";
import { sampleNames } from "../sample-names.js";
import type { TensorEntry, TensorSource } from "../source.js";
import { toF32 } from "../to-f32.js";
import type { Tensor } from "../../tensor.js";
import { VaeLayoutError, VaeUnmappedTensorError } from "./vae-errors.js";
import { PatternKeyMapper, type Side } from "./vae-key-mapper.js";
import { VAE_KEY_TABLE, type VaeKeyRow, type VaeTransform } from "./vae-table.js";

export type VaeLayout = Side;

export interface VaeKeyFormat {
  readonly layout: VaeLayout;
  /** "" or the prefix every VAE key carries ("vae." or "first_stage_model." in combined checkpoints). */
  readonly prefix: string;
}

const MARKERS: Readonly<Record<VaeLayout, readonly string[]>> = {
  bfl: ["encoder.down.", "encoder.mid.", "decoder.up.", "decoder.mid."],
  diffusers: ["encoder.down_blocks.", "encoder.mid_block.", "decoder.up_blocks.", "decoder.mid_block."],
};

const PREFIXES = ["", "vae.", "first_stage_model."];

/** The layout and prefix of `names`; throws VaeLayoutError (with sample keys) when none fits. */
export function vaeKeyFormat(names: readonly string[], file = "(tensor list)"): VaeKeyFormat {
  for (const prefix of PREFIXES) {
    for (const layout of ["bfl", "diffusers"] as const) {
      if (names.some((n) => n.startsWith(prefix) && MARKERS[layout].some((m) => n.startsWith(m, prefix.length)))) return { layout, prefix };
    }
  }
  throw new VaeLayoutError(file, names);
}

/** Number of resolution levels: one more than the highest decoder (else encoder) level index in `names`. */
export function vaeLevels(names: readonly string[], layout: VaeLayout): number {
  const patterns =
    layout === "bfl"
      ? [/^decoder\.up\.(\d+)\./, /^encoder\.down\.(\d+)\./]
      : [/^decoder\.up_blocks\.(\d+)\./, /^encoder\.down_blocks\.(\d+)\./];
  for (const re of patterns) {
    const levels = names
      .map((n) => re.exec(n)?.[1])
      .filter((i): i is string => i !== undefined)
      .map(Number);
    if (levels.length > 0) return Math.max(...levels) + 1;
  }
  return 0;
}

/** The key mapper of the VAE table for `levels` resolution levels. */
export function vaeKeyMapper(levels: number): PatternKeyMapper<VaeKeyRow> {
  return new PatternKeyMapper(VAE_KEY_TABLE, { L: levels });
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Dims of a tensor moved across `transform` to side `to`; throws when its shape does not allow it. */
export function transformDims(transform: VaeTransform, dims: readonly number[], to: VaeLayout, name: string, file: string): number[] {
  if (transform === "none") return [...dims];
  const [out, inp] = dims;
  const square4 = dims.length === 4 && dims[2] === 1 && dims[3] === 1;
  if (to === "bfl" && (dims.length === 2 || square4)) return [out as number, inp as number, 1, 1];
  if (to === "diffusers" && square4) return [out as number, inp as number];
  const expected = to === "bfl" ? ["C", "C"] : ["C", "C", 1, 1];
  throw new ShapeMismatchError(
    name,
    file,
    expected,
    dims,
    "an attention projection must be a 1x1 conv [C, C, 1, 1] (BFL) or a linear [C, C] (diffusers)",
  );
}

export interface VaeView extends TensorSource {
  readonly layout: VaeLayout;
  readonly prefix: string;
  readonly levels: number;
  /** The stored name (prefix included) a BFL key is read from, for messages. */
  storedName(bfl: string): string;
}

export interface VaeViewOptions {
  /** Resolution levels (len(ch_mult)); read from the names when absent. */
  readonly levels?: number;
}

/**
 * BFL-named view of a VAE source. Every stored name must map to a BFL key (else
 * VaeUnmappedTensorError); reads are lazy. close() closes `source`.
 */
export function vaeBflView(source: TensorSource, options: VaeViewOptions = {}): VaeView {
  const file = source.description;
  const format = vaeKeyFormat(source.names(), file);
  const stored = stripPrefixView(source, format.prefix);
  const names = stored.names();
  const levels = options.levels ?? vaeLevels(names, format.layout);
  const mapper = vaeKeyMapper(levels);
  const byBfl = new Map<string, { stored: string; transform: VaeTransform }>();
  const unmapped: string[] = [];
  for (const name of names) {
    const mapped = mapper.map(name, format.layout);
    if (!mapped) unmapped.push(format.prefix + name);
    else byBfl.set(format.layout === "bfl" ? name : mapped.name, { stored: name, transform: mapped.row.transform });
  }
  if (unmapped.length > 0) throw new VaeUnmappedTensorError(file, unmapped, format.layout);
  const get = (name: string): { stored: string; transform: VaeTransform } => {
    const found = byBfl.get(name);
    if (!found) throw new MissingTensorError(name, file, sampleNames([...byBfl.keys()]));
    return found;
  };
  const isDiffusers = format.layout === "diffusers";
  const entry = (name: string): TensorEntry => {
    const { stored: storedName, transform } = get(name);
    const e = stored.entry(storedName);
    return { ...e, name, dims: isDiffusers ? transformDims(transform, e.dims, "bfl", format.prefix + storedName, file) : e.dims };
  };
  const read = async (name: string): Promise<Tensor> => {
    const { stored: storedName, transform } = get(name);
    const t = await stored.read(storedName);
    if (!isDiffusers) return t;
    const dims = transformDims(transform, t.dims, "bfl", format.prefix + storedName, file);
    return sameDims(dims, t.dims) ? t : { ...t, dims };
  };
  return {
    description: file,
    layout: format.layout,
    prefix: format.prefix,
    levels,
    storedName: (bfl) => {
      const known = byBfl.get(bfl)?.stored;
      if (known !== undefined) return format.prefix + known;
      return format.prefix + (isDiffusers ? (mapper.map(bfl, "bfl")?.name ?? bfl) : bfl);
    },
    names: () => [...byBfl.keys()],
    has: (name) => byBfl.has(name),
    entry,
    read,
    readF32: async (name) => toF32(await read(name), name, file),
    metadata: () => source.metadata(),
    close: () => source.close(),
  };
}

/** Every tensor of a VAE source (either layout, any known prefix) under the names of layout `to`, without prefix. */
export async function convertVae(source: TensorSource, to: VaeLayout): Promise<Map<string, Tensor>> {
  const view = vaeBflView(source);
  const mapper = vaeKeyMapper(view.levels);
  const out = new Map<string, Tensor>();
  for (const name of view.names()) {
    const t = await view.read(name);
    if (to === "bfl") {
      out.set(name, t);
      continue;
    }
    const mapped = mapper.map(name, "bfl");
    if (!mapped) throw new VaeUnmappedTensorError(source.description, [name], "bfl");
    out.set(mapped.name, { ...t, dims: transformDims(mapped.row.transform, t.dims, "diffusers", name, source.description) });
  }
  return out;
}
