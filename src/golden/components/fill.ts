/**
 * Golden components "fill-prepare" (BFL prepare_fill from uint8 image and mask) and
 * "fill-pipeline" (noise from the seed, prepare, schedule, Euler loop, unpack, decode), both with
 * the BFL conventions the golden cases were made with.
 */
import { fluxParamsFromBfl, type BflFluxParamsJson } from "../../models/flux/params.js";
import { vaeParamsFromBfl, type BflAutoEncoderParamsJson } from "../../models/vae/params.js";
import { f32ToBf16, bf16ToF32 } from "../../numeric/float16.js";
import { FluxTransformer } from "../../components/flux/transformer.js";
import { Vae } from "../../components/vae/vae.js";
import { BFL_CONVENTIONS } from "../../pipelines/fill/conventions.js";
import { fill } from "../../pipelines/fill/fill.js";
import { checkPixels } from "../../pipelines/fill/pixels.js";
import { prepareFill } from "../../pipelines/fill/prepare.js";
import { tensor, type Tensor } from "../../tensor.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { compareExpected, readTyped, weightsConfig, withCaseFiles, withWeights } from "../case-io.js";

async function loadVae(env: GoldenEnv, weightId: string): Promise<Vae> {
  const params = vaeParamsFromBfl(weightsConfig(env.manifest, weightId, "bfl_AutoEncoderParams") as BflAutoEncoderParamsJson);
  return withWeights(env.manifest, weightId, (s) => Vae.open(env.engine, { weights: s, params }));
}

/** bf16 of our float32 img_cond against the reference's bf16 tensor: exact or 1 bf16 ulp. */
export function compareBf16(name: string, actual: Tensor<"f32">, expectedBits: Tensor): TensorComparison {
  const ours = f32ToBf16(actual.data);
  const theirs = expectedBits.data as Uint16Array;
  let failures = 0;
  let maxAbsErr = 0;
  const values = bf16ToF32(ours);
  const reference = bf16ToF32(theirs);
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i] as number;
    const b = theirs[i] as number;
    const sameSign = (a & 0x8000) === (b & 0x8000);
    if (!(a === b || (sameSign && Math.abs(a - b) <= 1))) failures++;
    maxAbsErr = Math.max(maxAbsErr, Math.abs((values[i] as number) - (reference[i] as number)));
  }
  return { name, ok: failures === 0, maxAbsErr, failures, count: ours.length };
}

/** decoded_u8: exact, except ±1 where decoded * 127.5 lies within 2e-3 of an integer (docs/golden.md §3.4). */
function compareU8(name: string, actual: Tensor<"u8">, expected: Tensor, decoded: Tensor<"f32">): TensorComparison {
  const [, , h, w] = decoded.dims as [number, number, number, number];
  let failures = 0;
  let maxAbsErr = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const diff = Math.abs((actual.data[i] as number) - Number(expected.data[i]));
    maxAbsErr = Math.max(maxAbsErr, diff);
    if (diff === 0) continue;
    const pixel = Math.floor(i / 3);
    const channel = i % 3;
    const scaled = 127.5 * ((decoded.data[channel * h * w + pixel] as number) + 1);
    const nearInteger = Math.abs(scaled - Math.round(scaled)) <= 2e-3;
    if (!(diff === 1 && nearInteger)) failures++;
  }
  return { name, ok: failures === 0, maxAbsErr, failures, count: actual.data.length };
}

export const fillPrepareRunner: ComponentRunner = {
  component: "fill-prepare",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const vaeId = c.weights[0];
    if (!vaeId) throw new GoldenManifestError(`case ${c.name} names no VAE weights`);
    const vae = await loadVae(env, vaeId);
    try {
      return await withCaseFiles(env, c, async (inputs, expected) => {
        const pixels = checkPixels(await readTyped(inputs, "image_u8", "u8"), await readTyped(inputs, "mask_u8", "u8"));
        const prepared = await prepareFill(vae, pixels, BFL_CONVENTIONS, () => {
          throw new GoldenManifestError("BFL conventions never sample the posterior");
        });
        const actual: Record<string, Tensor> = {
          image: prepared.image,
          mask: prepared.mask,
          masked_image: prepared.maskedImage,
          cond_latent: prepared.condLatent,
          cond_latent_packed: prepared.condLatentPacked,
          mask_unshuffled: prepared.maskUnshuffled,
          mask_packed: prepared.maskPacked,
          img_cond: prepared.imgCond,
          img_ids: prepared.imgIds,
        };
        const { comparisons } = await compareExpected(c, expected, actual);
        if (expected.has("img_cond_bfl_bf16"))
          comparisons.push(compareBf16("img_cond_bfl_bf16", prepared.imgCond, await expected.read("img_cond_bfl_bf16")));
        return summarize(c.name, comparisons);
      });
    } finally {
      await vae.release();
    }
  },
};

export const fillPipelineRunner: ComponentRunner = {
  component: "fill-pipeline",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const [transformerId, vaeId] = c.weights;
    if (!transformerId || !vaeId) throw new GoldenManifestError(`case ${c.name} must name [transformer, VAE] weights`);
    const params = fluxParamsFromBfl(weightsConfig(env.manifest, transformerId, "bfl_FluxParams") as BflFluxParamsJson);
    const transformer = await withWeights(env.manifest, transformerId, (s) => FluxTransformer.open(env.engine, { weights: s, params }));
    const vae = await loadVae(env, vaeId);
    try {
      return await withCaseFiles(env, c, async (inputs, expected) => {
        const seed = inputs.has("seed") ? Number((await inputs.read("seed")).data[0]) : Number(c.params["noise_seed"]);
        const steps = Number(c.params["num_steps"] ?? c.params["steps"]);
        const guidance = inputs.has("guidance") ? ((await inputs.readF32("guidance")).data[0] as number) : Number(c.params["guidance"]);
        if (!Number.isSafeInteger(seed) || !Number.isInteger(steps)) {
          throw new GoldenManifestError(`case ${c.name}: needs a seed (inputs "seed" or params.noise_seed) and params.num_steps`);
        }
        const xSteps: Tensor<"f32">[] = [];
        const preds: Tensor<"f32">[] = [];
        const result = await fill(
          { transformer, vae },
          {
            image: await readTyped(inputs, "image_u8", "u8"),
            mask: await readTyped(inputs, "mask_u8", "u8"),
            txt: await inputs.readF32("txt"),
            y: await inputs.readF32("y"),
          },
          {
            seed,
            steps,
            guidance,
            conventions: BFL_CONVENTIONS,
            onStep: (info) => {
              if (xSteps.length === 0) xSteps.push(info.x);
              xSteps.push(info.next);
              preds.push(info.v);
            },
          },
        );
        const stack = (list: Tensor<"f32">[]): Tensor<"f32"> => {
          const first = list[0] as Tensor<"f32">;
          const data = new Float32Array(list.length * first.data.length);
          list.forEach((t, i) => data.set(t.data, i * first.data.length));
          return tensor("f32", [list.length, ...first.dims], data);
        };
        const actual: Record<string, Tensor | undefined> = {
          x_steps: xSteps.length ? stack(xSteps) : undefined,
          preds: preds.length ? stack(preds) : undefined,
          latent_packed: xSteps.at(-1),
          latent: result.latent,
          decoded: result.decoded,
          cond_latent: result.conditioning.condLatent,
          noise: result.noise,
          img_cond: result.conditioning.imgCond,
          timesteps: tensor("f32", [result.record.schedule.length], Float32Array.from(result.record.schedule)),
        };
        const { comparisons } = await compareExpected(c, expected, actual);
        if (expected.has("decoded_u8"))
          comparisons.push(compareU8("decoded_u8", result.image, await expected.read("decoded_u8"), result.decoded));
        // The inputs file holds the reference's noise and schedule: check ours against them too.
        for (const name of ["noise", "timesteps", "img_cond"]) {
          const a = actual[name];
          if (a && inputs.has(name))
            comparisons.push(compareTensor(`inputs.${name}`, a, await inputs.readF32(name), ruleFor(c.tolerance, name)));
        }
        return summarize(c.name, comparisons, `seed ${seed}, ${steps} steps`);
      });
    } finally {
      await transformer.release();
      await vae.release();
    }
  },
};
