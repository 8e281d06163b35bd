/**
 * The feeds of a training graph from a step's inputs (shared by the adapter step and full-parameter
 * training): the transformer's inputs for img = concat(x_t, img_cond) (on channels, or Kontext's
 * condition tokens on the sequence axis), with the RoPE tables and sinusoidal embeddings computed
 * on the host, and the target noise - x0 of the noisy tokens.
 */
import { fluxFeeds } from "../../models/flux/inputs.js";
import type { FluxParams } from "../../models/flux/params.js";
import { tensor, type Tensor } from "../../tensor.js";
import { TARGET_INPUT } from "./flow-loss.js";
import { noisedInputs, type TrainingInputs } from "./host-inputs.js";

/** ICEdit feeds guidance 1.0 while training. */
export const TRAINING_GUIDANCE = 1;

/** img [B, L, in], txt, y, timestep_emb, guidance_emb, pe_cos, pe_sin and target [B, L, out] by input name. */
export function trainingFeeds(params: FluxParams, inputs: TrainingInputs): Record<string, Tensor> {
  const { img, imgIds, target } = noisedInputs(inputs);
  const batch = img.dims[0] as number;
  const feeds = fluxFeeds(params, {
    img,
    imgIds,
    txt: inputs.txt,
    txtIds: inputs.txtIds,
    timesteps: inputs.t,
    y: inputs.y,
    guidance: inputs.guidance ?? tensor("f32", [batch], new Float32Array(batch).fill(TRAINING_GUIDANCE)),
  });
  feeds[TARGET_INPUT] = target;
  return feeds;
}
