/**
 * Golden component "flux-transformer": BFL Flux.forward on the case inputs, with every weight
 * file listed as an alternative (BFL or diffusers layout, f32 or bf16); all must pass.
 */
import { ropeTables } from "../../nn/rope.js";
import { timestepEmbedding } from "../../nn/timestep-embedding.js";
import { torchTimestepFreqs } from "../../numeric/torch-expf.js";
import { fluxParamsFromBfl, type BflFluxParamsJson, type FluxParams } from "../../models/flux/params.js";
import type { FluxCall } from "../../models/flux/inputs.js";
import { FluxTransformer } from "../../components/flux/transformer.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { TensorSource } from "../../weights/source.js";
import type { TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase, type GoldenManifest } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { compareExpected, withCaseFiles, withWeights } from "../case-io.js";

/** Intermediates the transformer graph can expose (golden tensor names). */
const GRAPH_TAPS = [
  "time_in_out",
  "guidance_in_out",
  "vector_in_out",
  "vec",
  "img_in_out",
  "txt_in_out",
  "double0_img_attn",
  "double0_txt_attn",
  "double0_img",
  "double0_txt",
  "double_last_img",
  "double_last_txt",
  "single0_out",
  "single_last_out",
  "final_in",
];

export function fluxParamsOf(manifest: GoldenManifest, c: GoldenCase): FluxParams {
  const config = c.config ? manifest.configs[c.config] : undefined;
  const json = config?.["bfl_FluxParams"];
  if (!json) throw new GoldenManifestError(`case ${c.name}: config ${c.config ?? "(none)"} has no bfl_FluxParams`);
  return fluxParamsFromBfl(json as BflFluxParamsJson);
}

export async function readFluxCall(inputs: TensorSource): Promise<FluxCall> {
  return {
    img: await inputs.readF32("img"),
    imgIds: await inputs.readF32("img_ids"),
    txt: await inputs.readF32("txt"),
    txtIds: await inputs.readF32("txt_ids"),
    timesteps: await inputs.readF32("timesteps"),
    y: await inputs.readF32("y"),
    guidance: await inputs.readF32("guidance"),
  };
}

/** The host-side tensors in the reference's layout (pe as [B, 1, S, D/2, 2, 2]). */
export function hostTensors(params: FluxParams, call: FluxCall): Record<string, Tensor> {
  const batch = call.img.dims[0] as number;
  const text = call.txt.dims[1] as number;
  const image = call.img.dims[1] as number;
  const axes = params.axesDim.length;
  const seq = text + image;
  const pairs = params.hiddenSize / params.numHeads / 2;
  const pe = new Float32Array(batch * seq * pairs * 4);
  for (let b = 0; b < batch; b++) {
    const ids = new Float32Array(seq * axes);
    ids.set(call.txtIds.data.subarray(b * text * axes, (b + 1) * text * axes), 0);
    ids.set(call.imgIds.data.subarray(b * image * axes, (b + 1) * image * axes), text * axes);
    const { cos, sin } = ropeTables(ids, params.axesDim, params.theta);
    for (let i = 0; i < seq * pairs; i++) {
      const at = (b * seq * pairs + i) * 4;
      pe.set([cos[i] ?? 0, -(sin[i] ?? 0), sin[i] ?? 0, cos[i] ?? 0], at);
    }
  }
  return {
    timestep_freqs: tensor("f32", [128], torchTimestepFreqs(256)),
    timestep_emb: tensor("f32", [batch, 256], timestepEmbedding(call.timesteps.data)),
    guidance_emb: tensor("f32", [batch, 256], timestepEmbedding(call.guidance.data)),
    pe: tensor("f32", [batch, 1, seq, pairs, 2, 2], pe),
  };
}

export const fluxTransformerRunner: ComponentRunner = {
  component: "flux-transformer",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const params = fluxParamsOf(env.manifest, c);
    return withCaseFiles(env, c, async (inputs, expected) => {
      const call = await readFluxCall(inputs);
      const taps = GRAPH_TAPS.filter((t) => expected.has(t));
      const comparisons: TensorComparison[] = [];
      for (const id of c.weights) {
        const result = await withWeights(env.manifest, id, async (source) => {
          const transformer = await FluxTransformer.open(env.engine, { weights: source, params, taps });
          try {
            return await transformer.forward(call);
          } finally {
            await transformer.release();
          }
        });
        const actual = { ...hostTensors(params, call), ...result.taps, out: result.out };
        comparisons.push(...(await compareExpected(c, expected, actual, id)).comparisons);
      }
      return summarize(c.name, comparisons, `weights ${c.weights.join(",")}`);
    });
  },
};
