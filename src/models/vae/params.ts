/** VAE sizes: a validated params object (BFL AutoEncoderParams) and presets. */
import { InvalidArgumentError } from "../../errors.js";

export interface VaeParams {
  /** Training resolution; kept for the record, the graphs take any size. */
  readonly resolution: number;
  readonly inChannels: number;
  readonly ch: number;
  readonly outCh: number;
  /** Channel multiplier per resolution level; one level fewer downsamples than there are entries. */
  readonly chMult: readonly number[];
  readonly numResBlocks: number;
  readonly zChannels: number;
  readonly scaleFactor: number;
  readonly shiftFactor: number;
}

/** Every GroupNorm of the VAE has this many groups, and this epsilon. */
export const VAE_NORM_GROUPS = 32;
export const VAE_NORM_EPS = 1e-6;

export interface DerivedVaeSizes {
  /** Number of resolution levels (len(ch_mult)). */
  readonly levels: number;
  /** Spatial down/upsampling factor: 2^(levels - 1) (8 for FLUX). */
  readonly factor: number;
  /** Channels of the lowest-resolution level (the mid block's width). */
  readonly midChannels: number;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`VAE params: ${name} must be a positive integer, got ${v}`);
}

/** Checks the params and returns the derived sizes. */
export function validateVaeParams(p: VaeParams): DerivedVaeSizes {
  for (const key of ["resolution", "inChannels", "ch", "outCh", "numResBlocks", "zChannels"] as const) positiveInt(key, p[key]);
  if (p.chMult.length === 0) throw new InvalidArgumentError("VAE params: ch_mult must have at least one entry");
  p.chMult.forEach((m, i) => positiveInt(`ch_mult[${i}]`, m));
  for (const m of [1, ...p.chMult]) {
    if ((p.ch * m) % VAE_NORM_GROUPS !== 0) {
      throw new InvalidArgumentError(
        `VAE params: ch * ch_mult = ${p.ch * m} channels do not split into ${VAE_NORM_GROUPS} GroupNorm groups; ch and ch_mult must give multiples of ${VAE_NORM_GROUPS}`,
      );
    }
  }
  if (!Number.isFinite(p.scaleFactor) || p.scaleFactor === 0)
    throw new InvalidArgumentError(`VAE params: scale_factor must be a finite non-zero number, got ${p.scaleFactor}`);
  if (!Number.isFinite(p.shiftFactor)) throw new InvalidArgumentError(`VAE params: shift_factor must be finite, got ${p.shiftFactor}`);
  const levels = p.chMult.length;
  return { levels, factor: 2 ** (levels - 1), midChannels: p.ch * (p.chMult[levels - 1] as number) };
}

/** The FLUX.1 VAE (BFL util.py ae_params; ae.safetensors). */
export const FLUX_VAE: VaeParams = {
  resolution: 256,
  inChannels: 3,
  ch: 128,
  outCh: 3,
  chMult: [1, 2, 4, 4],
  numResBlocks: 2,
  zChannels: 16,
  scaleFactor: 0.3611,
  shiftFactor: 0.1159,
};

/** The golden set's tiny V1 VAE (same architecture, small sizes). */
export const GOLDEN_V1: VaeParams = {
  ...FLUX_VAE,
  resolution: 64,
  ch: 32,
  chMult: [1, 1, 2, 2],
  numResBlocks: 1,
};

export const VAE_PRESETS: Readonly<Record<string, VaeParams>> = {
  "flux-vae": FLUX_VAE,
  "golden-v1": GOLDEN_V1,
};

/** BFL AutoEncoderParams as JSON (snake_case), e.g. the golden manifest's configs.V1.bfl_AutoEncoderParams. */
export interface BflAutoEncoderParamsJson {
  resolution: number;
  in_channels: number;
  ch: number;
  out_ch: number;
  ch_mult: number[];
  num_res_blocks: number;
  z_channels: number;
  scale_factor: number;
  shift_factor: number;
}

export function vaeParamsFromBfl(json: BflAutoEncoderParamsJson): VaeParams {
  if (!Array.isArray(json.ch_mult))
    throw new InvalidArgumentError(`VAE params: ch_mult must be a list, got ${JSON.stringify(json.ch_mult)}`);
  const p: VaeParams = {
    resolution: json.resolution,
    inChannels: json.in_channels,
    ch: json.ch,
    outCh: json.out_ch,
    chMult: [...json.ch_mult],
    numResBlocks: json.num_res_blocks,
    zChannels: json.z_channels,
    scaleFactor: json.scale_factor,
    shiftFactor: json.shift_factor,
  };
  validateVaeParams(p);
  return p;
}
