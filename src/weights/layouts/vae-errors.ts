/** Errors about the key layout of a VAE checkpoint. */
import { WeightsFileError } from "../errors.js";

/** The names fit no known VAE layout. */
export class VaeLayoutError extends WeightsFileError {
  constructor(file: string, names: readonly string[]) {
    const sample = names.length === 0 ? "it has no tensors" : `its keys look like ${names.slice(0, 5).join(", ")}`;
    super(
      file,
      `${file} is not a VAE checkpoint (${sample}): pass the FLUX VAE weights (ae.safetensors, or the diffusers vae/ folder of FLUX.1-Fill-dev), not the transformer, a text encoder or a LoRA`,
    );
  }
}

/** Tensors of a VAE checkpoint that no row of the VAE layout table accounts for. */
export class VaeUnmappedTensorError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensors: readonly string[],
    layout: string,
  ) {
    const shown = tensors.slice(0, 5).join(", ") + (tensors.length > 5 ? `, ... (${tensors.length} in all)` : "");
    const quant = tensors.some((t) => /(^|\.)(post_)?quant_conv\./.test(t));
    const hint = quant
      ? "the FLUX VAE has no quant_conv / post_quant_conv: this looks like a Stable Diffusion VAE; use the FLUX VAE (ae.safetensors)"
      : "is this the FLUX VAE? (legacy diffusers attention names query/key/value/proj_attn are not supported; re-save it with a current diffusers)";
    super(file, `${file}: ${tensors.length} tensor(s) have no counterpart in the ${layout} VAE layout table: ${shown}: ${hint}`);
  }
}
