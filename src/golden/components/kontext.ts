/**
 * Golden components "kontext-resolution" (the preferred Kontext size of each input size) and
 * "kontext-pipeline" (bfloat16 noise from the seed, the condition's tokens, the schedule, the
 * Euler loop, unpack and decode), as BFL's cli_kontext runs them (golden README §12).
 */
import { fluxParamsFromBfl, type BflFluxParamsJson } from "../../models/flux/params.js";
import { vaeParamsFromBfl, type BflAutoEncoderParamsJson } from "../../models/vae/params.js";
import { FluxTransformer } from "../../components/flux/transformer.js";
import { Vae } from "../../components/vae/vae.js";
import { kontext } from "../../pipelines/kontext/kontext.js";
import { kontextSize, PREFERRED_KONTEXT_RESOLUTIONS } from "../../pipelines/kontext/resolution.js";
import { tensor, type Tensor } from "../../tensor.js";
import { compareTensor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { compareExpected, detailOf, readTyped, weightsConfig, withCaseFiles, withWeights } from "../case-io.js";
import { compareBf16 } from "./fill.js";

const EXACT = { atol: 0, rtol: 0 };

function pairs(list: readonly (readonly [number, number])[]): Tensor<"i64"> {
  return tensor(
    "i64",
    [list.length, 2],
    BigInt64Array.from(list.flat(), (v) => BigInt(v)),
  );
}

export const kontextResolutionRunner: ComponentRunner = {
  component: "kontext-resolution",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    return withCaseFiles(env, c, async (inputs, expected) => {
      const wh = await readTyped(inputs, "inputs_wh", "i64");
      const n = wh.dims[0] as number;
      const sizes = Array.from({ length: n }, (_, i) => kontextSize(Number(wh.data[2 * i]), Number(wh.data[2 * i + 1])));
      const { comparisons, missing } = await compareExpected(c, expected, {
        chosen_wh: pairs(sizes.map((s) => [s.preferred.width, s.preferred.height])),
        final_wh: pairs(sizes.map((s) => [s.width, s.height])),
      });
      const table = c.params["preferred_resolutions_wh"];
      if (Array.isArray(table)) {
        const theirs = table as [number, number][];
        comparisons.push(compareTensor("preferred_resolutions_wh", pairs(PREFERRED_KONTEXT_RESOLUTIONS), pairs(theirs), EXACT));
      }
      return summarize(c.name, comparisons, detailOf([`${n} sizes`], missing));
    });
  },
};

function stack(list: readonly Tensor<"f32">[]): Tensor<"f32"> {
  const first = list[0] as Tensor<"f32">;
  const data = new Float32Array(list.length * first.data.length);
  list.forEach((t, i) => data.set(t.data, i * first.data.length));
  return tensor("f32", [list.length, ...first.dims], data);
}

function param(c: GoldenCase, ...keys: string[]): number | undefined {
  for (const key of keys) if (typeof c.params[key] === "number") return c.params[key] as number;
  return undefined;
}

export const kontextPipelineRunner: ComponentRunner = {
  component: "kontext-pipeline",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const [transformerId, vaeId] = c.weights;
    if (!transformerId || !vaeId) throw new GoldenManifestError(`case ${c.name} must name [Kontext transformer, VAE] weights`);
    const params = fluxParamsFromBfl(weightsConfig(env.manifest, transformerId, "bfl_FluxParams") as BflFluxParamsJson);
    const vaeParams = vaeParamsFromBfl(weightsConfig(env.manifest, vaeId, "bfl_AutoEncoderParams") as BflAutoEncoderParamsJson);
    const transformer = await withWeights(env.manifest, transformerId, (s) => FluxTransformer.open(env.engine, { weights: s, params }));
    try {
      const vae = await withWeights(env.manifest, vaeId, (s) => Vae.open(env.engine, { weights: s, params: vaeParams }));
      try {
        return await withCaseFiles(env, c, async (inputs, expected) => {
          const seed = inputs.has("seed") ? Number((await inputs.read("seed")).data[0]) : param(c, "noise_seed");
          const steps = param(c, "steps", "num_steps");
          const guidance = inputs.has("guidance") ? ((await inputs.readF32("guidance")).data[0] as number) : param(c, "guidance");
          if (seed === undefined || steps === undefined || guidance === undefined)
            throw new GoldenManifestError(`case ${c.name}: needs a seed, params.steps and params.guidance`);
          const xSteps: Tensor<"f32">[] = [];
          const preds: Tensor<"f32">[] = [];
          const result = await kontext(
            { transformer, vae },
            { image: await readTyped(inputs, "image_u8", "u8"), txt: await inputs.readF32("txt"), y: await inputs.readF32("y") },
            {
              seed,
              steps,
              guidance,
              width: param(c, "target_w"),
              height: param(c, "target_h"),
              onStep: (info) => {
                if (xSteps.length === 0) xSteps.push(info.x);
                xSteps.push(info.next);
                preds.push(info.v);
              },
            },
          );
          const cond = result.conditioning;
          const { comparisons, missing } = await compareExpected(c, expected, {
            noise_bf16: result.noise,
            noise_packed: xSteps[0],
            img_ids: result.imgIds,
            cond_image: cond.image,
            cond_latent: cond.latent,
            img_cond_seq: cond.tokens,
            img_cond_seq_ids: cond.ids,
            timesteps: tensor("f32", [result.record.schedule.length], Float32Array.from(result.record.schedule)),
            x_steps: xSteps.length ? stack(xSteps) : undefined,
            preds: preds.length ? stack(preds) : undefined,
            latent_packed: xSteps.at(-1),
            latent: result.latent,
            decoded: result.decoded,
          });
          const checked: TensorComparison[] = comparisons;
          if (expected.has("img_cond_seq_bf16"))
            checked.push(compareBf16("img_cond_seq_bf16", cond.tokens, await expected.read("img_cond_seq_bf16")));
          const rest = missing.filter((name) => name !== "img_cond_seq_bf16");
          const size = `${result.record.condition.width}x${result.record.condition.height} -> ${result.record.width}x${result.record.height}`;
          return summarize(c.name, checked, detailOf([`seed ${seed}, ${steps} steps, ${size}`], rest));
        });
      } finally {
        await vae.release();
      }
    } finally {
      await transformer.release();
    }
  },
};
