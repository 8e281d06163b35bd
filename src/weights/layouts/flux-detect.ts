/** Which key layout a FLUX transformer checkpoint uses, and which name prefix it carries. */
import { UnknownLayoutError } from "./errors.js";

export type FluxLayout = "bfl" | "diffusers";

export interface FluxKeyFormat {
  readonly layout: FluxLayout;
  /** "" or the prefix every transformer key carries ("model.diffusion_model." or "transformer."). */
  readonly prefix: string;
}

/** Tried in order. ComfyUI checkpoints prefix BFL keys; some diffusers exports prefix "transformer.". */
const FORMATS: readonly (FluxKeyFormat & { readonly markers: readonly string[] })[] = [
  { layout: "bfl", prefix: "", markers: ["img_in.weight", "double_blocks.", "single_blocks."] },
  { layout: "diffusers", prefix: "", markers: ["x_embedder.weight", "transformer_blocks.", "single_transformer_blocks."] },
  { layout: "bfl", prefix: "model.diffusion_model.", markers: ["img_in.weight", "double_blocks.", "single_blocks."] },
  { layout: "diffusers", prefix: "transformer.", markers: ["x_embedder.weight", "transformer_blocks.", "single_transformer_blocks."] },
];

function matches(name: string, format: (typeof FORMATS)[number]): boolean {
  if (!name.startsWith(format.prefix)) return false;
  const rest = name.slice(format.prefix.length);
  return format.markers.some((m) => (m.endsWith(".") ? rest.startsWith(m) : rest === m));
}

/** The layout and prefix of `names`; throws UnknownLayoutError (with sample keys) when neither fits. */
export function fluxKeyFormat(names: readonly string[], file = "(tensor list)"): FluxKeyFormat {
  for (const format of FORMATS) {
    if (names.some((n) => matches(n, format))) return { layout: format.layout, prefix: format.prefix };
  }
  throw new UnknownLayoutError(file, names, "FLUX transformer");
}

export function detectFluxLayout(names: readonly string[], file?: string): FluxLayout {
  return fluxKeyFormat(names, file).layout;
}
