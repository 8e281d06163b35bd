/**
 * The FLUX VAE (BFL AutoEncoder) as two graphs with symbolic batch and spatial sizes, so one graph
 * serves every image size:
 *   encoder: image [B, 3, H, W] in [-1, 1] -> moments [B, 2z, H/8, W/8], mean (the first z
 *            channels) and latent = scale * (mean - shift) (BFL encode with sample_z off);
 *   decoder: latent [B, z, h, w] -> z_unscaled = latent / scale + shift -> image [B, 3, 8h, 8w].
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { add, div, mul, slice, sub } from "../../onnx/ops/index.js";
import { BuildContext, Module, type ParamBinder, type ParamSpec } from "../../nn/module.js";
import { Decoder } from "./decoder.js";
import { Encoder } from "./encoder.js";
import { validateVaeParams, type VaeParams } from "./params.js";

/** Both halves; parameters() lists the BFL keys of ae.safetensors. */
export class AutoEncoder extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  constructor(readonly params: VaeParams) {
    super("");
    validateVaeParams(params);
    this.encoder = this.child(new Encoder(params));
    this.decoder = this.child(new Decoder(params));
  }
}

export interface VaeEncodeValues {
  readonly moments: Value;
  readonly mean: Value;
  readonly latent: Value;
}

/** image: [B, in, H, W] -> moments [B, 2z, h, w], mean and scaled latent [B, z, h, w]. */
export function encodeValues(ctx: BuildContext, encoder: Encoder, image: Value): VaeEncodeValues {
  const p = encoder.params;
  const moments = encoder.forward(ctx, image);
  const mean = slice(moments, 1, 0, p.zChannels);
  return { moments, mean, latent: mul(sub(mean, p.shiftFactor), p.scaleFactor) };
}

/** latent: [B, z, h, w] -> z_unscaled [B, z, h, w] and image [B, out, h*f, w*f]. */
export function decodeValues(ctx: BuildContext, decoder: Decoder, latent: Value): { zUnscaled: Value; image: Value } {
  const p = decoder.params;
  const zUnscaled = add(div(latent, p.scaleFactor), p.shiftFactor);
  return { zUnscaled, image: decoder.forward(ctx, zUnscaled) };
}

export function buildVaeEncoderGraph(encoder: Encoder, binder: ParamBinder, name = "vae_encoder"): Graph {
  const g = new Graph(name);
  const image = g.addInput("image", "f32", ["B", encoder.params.inChannels, "H", "W"]);
  const out = encodeValues(new BuildContext(g, binder), encoder, image);
  g.addOutput(out.moments, "moments");
  g.addOutput(out.mean, "mean");
  g.addOutput(out.latent, "latent");
  return g;
}

export function buildVaeDecoderGraph(decoder: Decoder, binder: ParamBinder, name = "vae_decoder"): Graph {
  const g = new Graph(name);
  const latent = g.addInput("latent", "f32", ["B", decoder.params.zChannels, "h", "w"]);
  const out = decodeValues(new BuildContext(g, binder), decoder, latent);
  g.addOutput(out.zUnscaled, "z_unscaled");
  g.addOutput(out.image, "image");
  return g;
}

/** The parameters of the requested halves, in declaration order. */
export function vaeParameters(model: AutoEncoder, parts: { encoder: boolean; decoder: boolean }): ParamSpec[] {
  return [...(parts.encoder ? model.encoder.parameters() : []), ...(parts.decoder ? model.decoder.parameters() : [])];
}
