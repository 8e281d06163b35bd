/**
 * The host side of one training step (golden README §10 steps 1 and 3): the noised latent
 * x_t = (1 - t) x0 + t noise per batch element, the transformer input concat(x_t, img_cond) on
 * channels (ICEdit on FLUX.1 Fill) or on the sequence axis (Kontext: the condition's tokens after
 * the noisy ones, as inference appends them), and the velocity target noise - x0 of the noisy
 * tokens only, all rounded to float32 op by op as torch does.
 */
import { InvalidArgumentError } from "../../errors.js";
import { concatSequence, concatTokens } from "../../sampling/packing.js";
import { shapeString, tensor, type Tensor } from "../../tensor.js";

export interface TrainingInputs {
  /** [B, L, C] the packed clean latent of the whole diptych */
  readonly x0: Tensor<"f32">;
  /**
   * [B, L, Ccond] the fill conditioning (masked-image latent | mask), features of each noisy token;
   * with imgCondIds, [B, Lc, C] Kontext's condition tokens (the source's packed latent).
   */
  readonly imgCond: Tensor<"f32">;
  /** [B, Lc, 3]: present when imgCond holds condition tokens appended after the noisy ones (Kontext), their RoPE ids. */
  readonly imgCondIds?: Tensor<"f32">;
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

/** x_t = (1 - t) x0 + t noise: [B, L, C], and target = noise - x0: [B, L, C]. */
function noised(inputs: TrainingInputs): { xt: Tensor<"f32">; target: Tensor<"f32"> } {
  const { x0, noise, t } = inputs;
  if (x0.dims.length !== 3) throw new InvalidArgumentError(`training input x0 must be [B, L, C], got ${shapeString(x0.dims)}`);
  const [batch, tokens, channels] = x0.dims as [number, number, number];
  expectDims("noise", noise, x0.dims);
  expectDims("t", t, [batch]);
  const xt = tensor("f32", [batch, tokens, channels]);
  const target = tensor("f32", [batch, tokens, channels]);
  const f = Math.fround;
  const perExample = tokens * channels;
  for (let b = 0; b < batch; b++) {
    const tb = t.data[b] as number;
    const keep = f(1 - tb);
    for (let at = b * perExample; at < (b + 1) * perExample; at++) {
      const x = x0.data[at] as number;
      const n = noise.data[at] as number;
      xt.data[at] = f(f(keep * x) + f(tb * n));
      target.data[at] = f(n - x);
    }
  }
  return { xt, target };
}

/**
 * img: concat(x_t, img_cond) on channels [B, L, C + Ccond] (Fill), or on the sequence axis
 * [B, L + Lc, C] with imgIds [B, L + Lc, 3] (Kontext, imgCondIds given); target = noise - x0 [B, L, C].
 */
export function noisedInputs(inputs: TrainingInputs): { img: Tensor<"f32">; imgIds: Tensor<"f32">; target: Tensor<"f32"> } {
  const { xt, target } = noised(inputs);
  const { imgCond, imgCondIds } = inputs;
  const [batch, tokens, channels] = xt.dims as [number, number, number];
  if (imgCondIds) {
    if (imgCond.dims.length !== 3 || imgCond.dims[0] !== batch || imgCond.dims[2] !== channels)
      throw new InvalidArgumentError(
        `training input imgCond (condition tokens) must be [${batch}, *, ${channels}], got ${shapeString(imgCond.dims)}`,
      );
    expectDims("imgCondIds", imgCondIds, [batch, imgCond.dims[1] as number, 3]);
    return { img: concatSequence([xt, imgCond]), imgIds: concatSequence([inputs.imgIds, imgCondIds]), target };
  }
  if (imgCond.dims.length !== 3 || imgCond.dims[0] !== batch || imgCond.dims[1] !== tokens) {
    throw new InvalidArgumentError(`training input imgCond must be [${batch}, ${tokens}, *], got ${shapeString(imgCond.dims)}`);
  }
  return { img: concatTokens([xt, imgCond]), imgIds: inputs.imgIds, target };
}
