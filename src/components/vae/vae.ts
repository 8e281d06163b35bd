/**
 * The FLUX VAE ready to run: weights checked and loaded from either layout (BFL ae.safetensors or
 * diffusers AutoencoderKL), an encoder and/or a decoder graph built, one ONNX Runtime session each.
 */
import { IceditError, InvalidArgumentError } from "../../errors.js";
import { AutoEncoder, buildVaeDecoderGraph, buildVaeEncoderGraph, vaeParameters } from "../../models/vae/model.js";
import { validateVaeParams, type VaeParams } from "../../models/vae/params.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { LazySession, RunnableSession } from "../../runtime/runnable-session.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { vaeBflView, type VaeView } from "../../weights/layouts/vae-view.js";
import type { ComponentOptions, ComponentSpec } from "../component-spec.js";
import { openComponent } from "../open-component.js";
import type { MismatchHint, MissingHint } from "../params/load-params.js";

/** A tensor given to encode/decode does not have a shape the VAE can take; the message says which would. */
export class VaeInputError extends InvalidArgumentError {}

/** encode() on a Vae loaded without its encoder, or decode() without its decoder. */
export class VaePartError extends IceditError {}

export interface VaeEncoded {
  /** [B, 2z, H/f, W/f]: mean | logvar along channels. */
  readonly moments: Tensor<"f32">;
  /** [B, z, H/f, W/f]: the posterior mean. */
  readonly mean: Tensor<"f32">;
  /** [B, z, H/f, W/f]: scale * (mean - shift), the sampler's latent. */
  readonly latent: Tensor<"f32">;
}

export interface VaeDecoded {
  /** [B, z, h, w]: latent / scale + shift, the decoder input. */
  readonly zUnscaled: Tensor<"f32">;
  /** [B, out_ch, h*f, w*f], not clamped. */
  readonly image: Tensor<"f32">;
}

export interface VaeParts {
  readonly encoder?: boolean;
  readonly decoder?: boolean;
}

export const VAE_PARTS = ["encoder", "decoder"] as const;
export type VaePart = (typeof VAE_PARTS)[number];

export interface VaeOptions extends ComponentOptions<LazyVaeParts> {
  readonly params: VaeParams;
  /** The parts to load now (both by default); a pooled VAE has the parts given in `lazy`. */
  readonly parts?: VaeParts;
}

/** The lazily created session of each part a Vae.open should have (a missing part is not loaded). */
export interface LazyVaeParts {
  readonly encoder?: LazySession;
  readonly decoder?: LazySession;
}

/** Sizes next to `n` that are multiples of `f`: "24 or 32". */
function nearMultiples(n: number, f: number): string {
  const down = Math.floor(n / f) * f;
  return down === 0 ? String(f) : `${down} or ${down + f}`;
}

function describeLatentChannels(channels: number): string {
  if (channels === 4) return ": 4 channels is a Stable Diffusion latent; FLUX latents have 16";
  if (channels === 64) return ": 64 channels looks like a packed (2x2 patchified) FLUX latent; unpack it to [B, 16, h, w] first";
  return "";
}

function mismatchHint(params: VaeParams): MismatchHint {
  return (spec, actual) => {
    const z = params.zChannels;
    const isEncOut = spec.path === "encoder.conv_out.weight" && actual[0] !== 2 * z;
    const isDecIn = spec.path === "decoder.conv_in.weight" && actual[1] !== z;
    if (isEncOut || isDecIn) {
      const found = isEncOut ? (actual[0] ?? 0) / 2 : (actual[1] ?? 0);
      const what = found === 4 ? "a 4-channel Stable Diffusion VAE" : `a VAE with ${found} latent channels`;
      return `this is ${what}, but the model expects ${z} latent channels; FLUX needs its own 16-channel VAE (ae.safetensors)`;
    }
    return `the checkpoint does not have the sizes of the configured VAE (ch ${params.ch}, ch_mult [${params.chMult}], ${params.numResBlocks} res blocks, z ${params.zChannels}): check that the VAE config matches the weights`;
  };
}

function missingHint(view: VaeView): MissingHint {
  return (spec: ParamSpec) => {
    const where = view.layout === "diffusers" ? ` (looked for ${view.storedName(spec.path)} in this diffusers-layout file)` : "";
    const half = spec.path.startsWith("encoder.") ? "encoder" : "decoder";
    if (!view.names().some((n) => n.startsWith(`${half}.`))) {
      return `the file has no ${half}${where}; load the VAE with parts { ${half}: false } if you only need the other half`;
    }
    return `is this a complete FLUX VAE (ae.safetensors or the diffusers vae/ folder)?${where}`;
  };
}

/** The VAE's spec: BFL keys (a diffusers AutoencoderKL file is seen through a view), float32 only, two parts. */
export function vaeSpec(model: AutoEncoder, params: VaeParams): ComponentSpec<VaePart, VaeView> {
  const { levels } = validateVaeParams(params);
  return {
    component: "VAE",
    model,
    view: (source) => vaeBflView(source, { levels }),
    hints: (view) => ({ mismatch: mismatchHint(params), missing: missingHint(view) }),
    params: (part) => vaeParameters(model, { encoder: part === "encoder", decoder: part === "decoder" }),
    build: (weights, part) =>
      part === "encoder" ? buildVaeEncoderGraph(model.encoder, weights) : buildVaeDecoderGraph(model.decoder, weights),
  };
}

function checkImage(params: VaeParams, factor: number, image: Tensor): void {
  const dims = image.dims;
  const want = `[B, ${params.inChannels}, H, W] float32 with H and W multiples of ${factor}`;
  if (image.dtype !== "f32") throw new VaeInputError(`VAE encode: the image must be ${want}, got dtype ${image.dtype}`);
  if (dims.length !== 4) {
    const hint = dims.length === 3 ? ` (an [H, W, C] image? convert it to [1, ${params.inChannels}, H, W] in [-1, 1])` : "";
    throw new VaeInputError(`VAE encode: the image must be ${want}, got shape ${shapeString(dims)}${hint}`);
  }
  const [b, c, h, w] = dims as [number, number, number, number];
  if (c !== params.inChannels)
    throw new VaeInputError(`VAE encode: the image must have ${params.inChannels} channels (${want}), got ${shapeString(dims)}`);
  if (b < 1 || h < 1 || w < 1) throw new VaeInputError(`VAE encode: the image is empty: ${shapeString(dims)}`);
  const bad = [
    ["height", h],
    ["width", w],
  ].filter(([, n]) => (n as number) % factor !== 0);
  if (bad.length > 0) {
    const why = bad
      .map(([name, n]) => `${name} ${n} is not a multiple of ${factor} (use ${nearMultiples(n as number, factor)})`)
      .join(", ");
    throw new VaeInputError(`VAE encode: ${why}: crop or resize the image from ${h}x${w} to a multiple of ${factor}`);
  }
}

function checkLatent(params: VaeParams, latent: Tensor): void {
  const want = `[B, ${params.zChannels}, h, w] float32`;
  if (latent.dtype !== "f32") throw new VaeInputError(`VAE decode: the latent must be ${want}, got dtype ${latent.dtype}`);
  const dims = latent.dims;
  if (dims.length !== 4) {
    const hint = dims.length === 3 ? ": a [B, tokens, 64] latent is packed; unpack it to [B, 16, h, w] first" : "";
    throw new VaeInputError(`VAE decode: the latent must be ${want}, got shape ${shapeString(dims)}${hint}`);
  }
  const [b, c, h, w] = dims as [number, number, number, number];
  if (c !== params.zChannels) {
    throw new VaeInputError(`VAE decode: the latent must be ${want}, got ${c} channels ${shapeString(dims)}${describeLatentChannels(c)}`);
  }
  if (b < 1 || h < 1 || w < 1) throw new VaeInputError(`VAE decode: the latent is empty: ${shapeString(dims)}`);
}

export class Vae {
  readonly factor: number;

  private constructor(
    readonly params: VaeParams,
    private readonly encoder: RunnableSession | null,
    private readonly decoder: RunnableSession | null,
  ) {
    this.factor = validateVaeParams(params).factor;
  }

  /**
   * Checks every needed tensor of the weights (BFL or diffusers layout, detected) against `params`
   * before reading any, then creates each requested part's session (both by default) now, or, with
   * `options.lazy`, on the part's first run (then the parts are those given a pool entry).
   */
  static async open(engine: Engine, options: VaeOptions): Promise<Vae> {
    const { params } = options;
    validateVaeParams(params);
    const lazy = options.lazy;
    const want = lazy
      ? { encoder: lazy.encoder !== undefined, decoder: lazy.decoder !== undefined }
      : { encoder: options.parts?.encoder ?? true, decoder: options.parts?.decoder ?? true };
    if (!want.encoder && !want.decoder) throw new InvalidArgumentError("Vae.open: parts must ask for the encoder, the decoder or both");
    const parts = VAE_PARTS.filter((p) => want[p]);
    const opened = await openComponent(
      engine,
      vaeSpec(new AutoEncoder(params), params),
      parts,
      options,
      lazy ? (p) => lazy[p] as LazySession : undefined,
    );
    return new Vae(params, opened.sessions.get("encoder") ?? null, opened.sessions.get("decoder") ?? null);
  }

  get hasEncoder(): boolean {
    return this.encoder !== null;
  }

  get hasDecoder(): boolean {
    return this.decoder !== null;
  }

  /** image: [B, in_channels, H, W] in [-1, 1], H and W multiples of the factor (8) -> moments, mean, latent. */
  async encode(image: Tensor<"f32">): Promise<VaeEncoded> {
    if (!this.encoder)
      throw new VaePartError("this VAE was loaded without its encoder (parts.encoder = false): load it with the encoder to encode images");
    checkImage(this.params, this.factor, image);
    const { outputs } = await this.encoder.run({ image });
    return {
      moments: outputs["moments"] as Tensor<"f32">,
      mean: outputs["mean"] as Tensor<"f32">,
      latent: outputs["latent"] as Tensor<"f32">,
    };
  }

  /** latent: scaled [B, z, h, w] -> z_unscaled and image [B, out_ch, h*f, w*f]. */
  async decode(latent: Tensor<"f32">): Promise<VaeDecoded> {
    if (!this.decoder)
      throw new VaePartError("this VAE was loaded without its decoder (parts.decoder = false): load it with the decoder to decode latents");
    checkLatent(this.params, latent);
    const { outputs } = await this.decoder.run({ latent });
    return { zUnscaled: outputs["z_unscaled"] as Tensor<"f32">, image: outputs["image"] as Tensor<"f32"> };
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder?.release(), this.decoder?.release()]);
  }
}
