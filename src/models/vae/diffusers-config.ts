/** The vae/config.json of a diffusers FLUX model folder (AutoencoderKL) to and from VaeParams. */
import { InvalidArgumentError } from "../../errors.js";
import { validateVaeParams, type VaeParams } from "./params.js";

function number(json: Record<string, unknown>, key: string, source: string, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (v === undefined) throw new InvalidArgumentError(`${source}: "${key}" is missing (a number): is this a FLUX VAE config?`);
  if (typeof v !== "number") throw new InvalidArgumentError(`${source}: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** VaeParams from a diffusers vae/config.json; `source` (its path) names it in errors. */
export function vaeParamsFromDiffusers(json: Record<string, unknown>, source = "vae config.json"): VaeParams {
  const num = (key: string, fallback?: number): number => number(json, key, source, fallback);
  const blocks = json["block_out_channels"];
  if (!Array.isArray(blocks) || blocks.length === 0 || !blocks.every((b) => typeof b === "number")) {
    throw new InvalidArgumentError(`${source}: "block_out_channels" must be a list of numbers`);
  }
  const ch = blocks[0] as number;
  if (blocks.some((b) => (b as number) % ch !== 0))
    throw new InvalidArgumentError(`${source}: block_out_channels [${blocks}] are not multiples of ${ch}`);
  if (json["use_quant_conv"] === true || json["use_post_quant_conv"] === true) {
    throw new InvalidArgumentError(`${source}: quant_conv layers are not part of the FLUX VAE (use_quant_conv must be false)`);
  }
  const params: VaeParams = {
    resolution: num("sample_size", 1024),
    inChannels: num("in_channels", 3),
    ch,
    outCh: num("out_channels", 3),
    chMult: blocks.map((b) => (b as number) / ch),
    numResBlocks: num("layers_per_block"),
    zChannels: num("latent_channels"),
    scaleFactor: num("scaling_factor"),
    shiftFactor: num("shift_factor", 0),
  };
  try {
    validateVaeParams(params);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${source}: ${error.message}`, { cause: error });
    throw error;
  }
  return params;
}

export function diffusersVaeConfig(p: VaeParams): Record<string, unknown> {
  validateVaeParams(p);
  const levels = p.chMult.length;
  return {
    _class_name: "AutoencoderKL",
    _diffusers_version: "0.32.0",
    act_fn: "silu",
    block_out_channels: p.chMult.map((m) => m * p.ch),
    down_block_types: new Array<string>(levels).fill("DownEncoderBlock2D"),
    force_upcast: true,
    in_channels: p.inChannels,
    latent_channels: p.zChannels,
    latents_mean: null,
    latents_std: null,
    layers_per_block: p.numResBlocks,
    mid_block_add_attention: true,
    norm_num_groups: 32,
    out_channels: p.outCh,
    sample_size: p.resolution,
    scaling_factor: p.scaleFactor,
    shift_factor: p.shiftFactor,
    up_block_types: new Array<string>(levels).fill("UpDecoderBlock2D"),
    use_post_quant_conv: false,
    use_quant_conv: false,
  };
}
