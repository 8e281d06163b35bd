/** Errors about which key layout a checkpoint uses. */
import { WeightsFileError } from "../errors.js";

/** The names fit no known FLUX transformer layout. */
export class UnknownLayoutError extends WeightsFileError {
  constructor(file: string, names: readonly string[], expected: string) {
    const sample = names.length === 0 ? "it has no tensors" : `its keys look like ${names.slice(0, 5).join(", ")}`;
    super(
      file,
      `${file} is not a ${expected} checkpoint (${sample}): pass the transformer weights (e.g. flux1-fill-dev.safetensors, or the diffusers transformer/ folder), not the VAE, a text encoder or a LoRA`,
    );
  }
}

/** A converter was given the other layout than the one it converts from. */
export class WrongLayoutError extends WeightsFileError {
  constructor(file: string, found: string, wanted: string) {
    super(file, `${file} uses the ${found} key layout, but a ${wanted} checkpoint was expected here: use bflView() to accept either`);
  }
}

/** Tensors that no row of the layout table accounts for (another model, or an unsupported variant). */
export class UnmappedTensorError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensors: readonly string[],
    layout: string,
  ) {
    const shown = tensors.slice(0, 5).join(", ") + (tensors.length > 5 ? `, ... (${tensors.length} in all)` : "");
    super(
      file,
      `${file}: ${tensors.length} tensor(s) have no counterpart in the ${layout} layout table: ${shown}: is this a FLUX transformer? (fused to_qkv projections and other variants are not supported; save it unfused)`,
    );
  }
}
