/**
 * The host side of one training step (golden README §10 steps 1 and 3): the noised latent
 * x_t = (1 - t) x0 + t noise per batch element, the transformer input concat(x_t, img_cond) on
 * channels, and the velocity target noise - x0, all rounded to float32 op by op as torch does.
 */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, tensor, type Tensor } from "../../tensor.js";

export interface TrainingInputs {
  /** [B, L, C] the packed clean latent of the whole diptych */
  readonly x0: Tensor<"f32">;
  /** [B, L, Ccond] the fill conditioning (masked-image latent | mask) */
  readonly imgCond: Tensor<"f32">;
  /** [B, T, context] */
  readonly txt: Tensor<"f32">;
  /** [B, vec] */
  readonly y: Tensor<"f32">;
  /** [B, L, 3] */
  readonly imgIds: Tensor<"f32">;
  /** [B, T, 3] */
  readonly txtIds: Tensor<"f32">;
  /** [B] flow time in [0, 1] */
  readonly t: Tensor<"f32">;
  /** [B, L, C] */
  readonly noise: Tensor<"f32">;
  /** [B] distilled guidance; default 1.0, what ICEdit feeds while training. */
  readonly guidance?: Tensor<"f32">;
}

function expectDims(name: string, t: Tensor, dims: readonly number[]): void {
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new InvalidArgumentError(`training input ${name} must have shape ${shapeString(dims)}, got ${shapeString(t.dims)}`);
  }
}

/** img = concat((1 - t) x0 + t noise, img_cond) [B, L, C + Ccond] and target = noise - x0 [B, L, C]. */
export function noisedInputs(inputs: TrainingInputs): { img: Tensor<"f32">; target: Tensor<"f32"> } {
  const { x0, imgCond, noise, t } = inputs;
  const [batch, tokens, channels] = x0.dims as [number, number, number];
  if (x0.dims.length !== 3) throw new InvalidArgumentError(`training input x0 must be [B, L, C], got ${shapeString(x0.dims)}`);
  expectDims("noise", noise, x0.dims);
  expectDims("t", t, [batch]);
  if (imgCond.dims.length !== 3 || imgCond.dims[0] !== batch || imgCond.dims[1] !== tokens) {
    throw new InvalidArgumentError(`training input imgCond must be [${batch}, ${tokens}, *], got ${shapeString(imgCond.dims)}`);
  }
  const cond = imgCond.dims[2] as number;
  const width = channels + cond;
  const img = tensor("f32", [batch, tokens, width]);
  const target = tensor("f32", [batch, tokens, channels]);
  const f = Math.fround;
  for (let b = 0; b < batch; b++) {
    const tb = t.data[b] as number;
    const keep = f(1 - tb);
    for (let l = 0; l < tokens; l++) {
      const row = b * tokens + l;
      for (let c = 0; c < channels; c++) {
        const at = row * channels + c;
        const x = x0.data[at] as number;
        const n = noise.data[at] as number;
        img.data[row * width + c] = f(f(keep * x) + f(tb * n));
        target.data[at] = f(n - x);
      }
      img.data.set(imgCond.data.subarray(row * cond, (row + 1) * cond), row * width + channels);
    }
  }
  return { img, target };
}
