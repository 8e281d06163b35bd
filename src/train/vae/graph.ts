/**
 * The FLUX VAE trained as an autoencoder (LDM's AutoencoderKL objective without the perceptual and
 * GAN terms): every weight the binder makes an input is a graph input under its BFL key;
 *   moments = encoder(image) -> mean | logvar; z = mean + exp(logvar / 2) * eps (reparameterised,
 *   eps fed from the host); recon = decoder(z);
 *   loss = mean((recon - image)^2) + kl_weight * KL_sum / (3 H W),
 * with KL_sum the closed-form KL(N(mean, exp(logvar)) || N(0, 1)) summed over one image's latent
 * elements. Dividing both terms by the pixel count keeps LDM's ratio (sum over pixels + kl_weight *
 * sum over latent elements, kl_weight 1e-6) while the reconstruction term reads as a per-pixel MSE.
 *
 * With input "latent" the graph is the decoder alone, fed latents that something else produced
 * (a transformer's edits, unscaled: the decoder's own input z = latent / scale + shift) and the
 * images they should decode to: recon = decoder(z); loss = mean((recon - image)^2).
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { add, exp, mul, reduceMean, slice, sub } from "../../onnx/ops/index.js";
import { BuildContext } from "../../nn/module.js";
import { gradients } from "../../autodiff/index.js";
import type { AutoEncoder } from "../../models/vae/model.js";
import { validateVaeParams } from "../../models/vae/params.js";
import { gradOutput, LOSS_OUTPUT } from "../step/flow-loss.js";
import type { InputParamBinder } from "../params/input-binder.js";
import { VaeTrainingError } from "./errors.js";

export const IMAGE_INPUT = "image";
export const EPS_INPUT = "eps";
export const LATENT_INPUT = "latent";
export const MSE_OUTPUT = "mse";
export const KL_OUTPUT = "kl";

/** LDM's autoencoder KL weight (kl_weight 1e-6 against a per-pixel sum). */
export const DEFAULT_KL_WEIGHT = 1e-6;

/** The image batch a training graph is built for: images [batch, in, height, width]. */
export interface VaeBatchShape {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}

export interface VaeTrainingGraphOptions {
  readonly name?: string;
  readonly klWeight?: number;
  /**
   * Build for this batch shape only, as static dims (ONNX Runtime then plans the graph's memory
   * without symbolic dims: opening the demo VAE's step takes about 1 s instead of about 10 s).
   * Default: any batch (symbolic B, H, W).
   */
  readonly shape?: VaeBatchShape;
  /**
   * "image" (default): the autoencoder, fed images and the reparameterisation noise. "latent": the
   * decoder alone, fed unscaled latents z [B, z, H/f, W/f] (latent / scale + shift, the decoder's
   * own input) and the images they should decode to; no KL term, only the decoder's weights bound.
   */
  readonly input?: "image" | "latent";
}

/** recon, image: [B, in, H, W] -> [] the mean squared difference per pixel and channel. */
function meanSquaredError(recon: Value, image: Value): Value {
  const diff = sub(recon, image);
  return reduceMean(mul(diff, diff), null, false);
}

/**
 * mean, logvar: [B, z, h, w] -> KL per latent element, averaged: [] = mean(0.5 (mean^2 + exp(logvar) - 1 - logvar)).
 */
function meanKl(mean: Value, logvar: Value): Value {
  const terms = sub(add(mul(mean, mean), exp(logvar)), add(logvar, 1));
  return mul(reduceMean(terms, null, false), 0.5);
}

/**
 * Inputs: image [B, in, H, W] in [-1, 1], eps [B, z, H/f, W/f] ~ N(0, 1), and every weight `binder`
 * binds as an input. Outputs: loss [], mse [] (per pixel), kl [] (per latent element) and
 * grad.<key> for each such weight, in `binder.keys` order.
 */
export function buildVaeTrainingGraph(model: AutoEncoder, binder: InputParamBinder, options: VaeTrainingGraphOptions = {}): Graph {
  const p = model.params;
  const { factor } = validateVaeParams(p);
  const klWeight = options.klWeight ?? DEFAULT_KL_WEIGHT;
  if (!(klWeight >= 0) || !Number.isFinite(klWeight)) throw new VaeTrainingError(`kl weight must be finite and >= 0, got ${klWeight}`);
  const g = new Graph(options.name ?? "vae_autoencoder_training_step");
  const ctx = new BuildContext(g, binder);
  const s = options.shape;
  if (s && [s.batch, s.height / factor, s.width / factor].some((d) => !Number.isInteger(d) || d < 1)) {
    throw new VaeTrainingError(
      `the training batch shape must be a positive batch and a height and width that are positive multiples of ${factor}, got ${s.batch}x${s.height}x${s.width}`,
    );
  }
  const image = g.addInput(IMAGE_INPUT, "f32", s ? [s.batch, p.inChannels, s.height, s.width] : ["B", p.inChannels, "H", "W"]);
  const latentDims = s ? [s.batch, p.zChannels, s.height / factor, s.width / factor] : ["B", p.zChannels, "h", "w"];
  if (options.input === "latent") {
    const recon = model.decoder.forward(ctx, g.addInput(LATENT_INPUT, "f32", latentDims));
    const mse = meanSquaredError(recon, image);
    g.addOutput(mse, LOSS_OUTPUT);
    g.addOutput(mse, MSE_OUTPUT);
    addGradientOutputs(g, binder, mse);
    return g;
  }
  const eps = g.addInput(EPS_INPUT, "f32", latentDims);
  const moments = model.encoder.forward(ctx, image);
  const mean = slice(moments, 1, 0, p.zChannels);
  const logvar = slice(moments, 1, p.zChannels, 2 * p.zChannels);
  const z = add(mean, mul(exp(mul(logvar, 0.5)), eps));
  const recon = model.decoder.forward(ctx, z);
  const mse = meanSquaredError(recon, image);
  const kl = meanKl(mean, logvar);
  // KL summed over an image's z*h*w latent elements, divided by its in*H*W pixels: h*w / (H*W) = 1 / f^2
  const klPerPixel = (p.zChannels / (p.inChannels * factor * factor)) * klWeight;
  const loss = add(mse, mul(kl, klPerPixel));
  g.addOutput(loss, LOSS_OUTPUT);
  g.addOutput(mse, MSE_OUTPUT);
  g.addOutput(kl, KL_OUTPUT);
  addGradientOutputs(g, binder, loss);
  return g;
}

/** grad.<key> of `loss` for each weight `binder` binds, in `binder.keys` order. */
function addGradientOutputs(g: Graph, binder: InputParamBinder, loss: Value): void {
  const bound = binder.boundInputs(g);
  const trained = binder.keys.map((key) => {
    const value = bound.get(key);
    if (!value) throw new VaeTrainingError(`the VAE has no parameter ${key} to train`);
    return value;
  });
  const grads = gradients(loss, trained);
  binder.keys.forEach((key, i) => g.addOutput(grads[i] as Value, gradOutput(key)));
}
