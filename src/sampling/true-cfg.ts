/**
 * True classifier-free guidance (diffusers' FluxPipeline true_cfg_scale): the transformer runs on
 * the prompt and on a negative prompt, and the step follows
 *   v = v_neg + scale (v_pos - v_neg),
 * each op rounded to float32 as torch computes it. Scale 1 gives v_pos; a model trained with text
 * dropout (ICEdit drops the prompt to " " one time in ten) knows the negative prompt " ".
 */
import { InvalidArgumentError } from "../errors.js";
import { tensor, type Tensor } from "../tensor.js";

const fr = Math.fround;

/** v_neg + scale (v_pos - v_neg), elementwise; both [B, L, C] of the same shape. */
export function guidedVelocity(positive: Tensor<"f32">, negative: Tensor<"f32">, scale: number): Tensor<"f32"> {
  if (positive.dims.join() !== negative.dims.join())
    throw new InvalidArgumentError(`true CFG: the velocities' shapes [${positive.dims}] and [${negative.dims}] differ`);
  const s = fr(scale);
  const out = new Float32Array(positive.data.length);
  for (let i = 0; i < out.length; i++) {
    const n = negative.data[i] as number;
    out[i] = fr(n + fr(s * fr((positive.data[i] as number) - n)));
  }
  return tensor("f32", positive.dims, out);
}
