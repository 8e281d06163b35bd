/**
 * Golden components "fill-prepare" (BFL prepare_fill from uint8 image and mask) and
 * "fill-pipeline" (noise from the seed, prepare, schedule, Euler loop, unpack, decode), both with
 * the BFL conventions the golden cases were made with.
 */
import { fluxParamsFromBfl, type BflFluxParamsJson } from "../../models/flux/params.js";
import { vaeParamsFromBfl, type BflAutoEncoderParamsJson } from "../../models/vae/params.js";
import { f32ToBf16, bf16ToF32 } from "../../numeric/float16.js";
import { FluxTransformer } from "../../pipelines/flux-transformer.js";
import { Vae } from "../../pipelines/vae.js";
import { BFL_CONVENTIONS } from "../../pipelines/fill/conventions.js";
import { fill } from "../../pipelines/fill/fill.js";
import { checkPixels } from "../../pipelines/fill/pixels.js";
import { prepareFill } from "../../pipelines/fill/prepare.js";
import { tensor, type Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors.js";
import type { TensorSource } from "../../weights/source.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase, type GoldenManifest } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";

function configOf(manifest: GoldenManifest, weightId: string): Readonly<Record<string, unknown>> {
  const entry = manifest.weights[weightId];
  if (!entry) throw new GoldenManifestError(`weights ${weightId} are not in the manifest`);
  const config = entry.config ? manifest.configs[entry.config] : undefined;
  if (!config) throw new GoldenManifestError(`weights ${weightId}: config ${entry.config ?? "(none)"} is not in the manifest`);
  return config;
}

async function withSource<T>(manifest: GoldenManifest, weightId: string, use: (s: TensorSource) => Promise<T>): Promise<T> {
  const entry = manifest.weights[weightId];
  if (!entry) throw new GoldenManifestError(`weights ${weightId} are not in the manifest`);
  const source = await openSafetensors(manifest.path(entry.file));
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

async function loadVae(env: GoldenEnv, weightId: string): Promise<Vae> {
  const params = vaeParamsFromBfl(configOf(env.manifest, weightId)["bfl_AutoEncoderParams"] as BflAutoEncoderParamsJson);
  return withSource(env.manifest, weightId, (s) => Vae.load(env.engine, s, params));
}

async function readU8(source: TensorSource, name: string): Promise<Tensor<"u8">> {
  const t = await source.read(name);
  if (t.dtype !== "u8") throw new GoldenManifestError(`${source.description}: ${name} must be U8, is ${t.dtype}`);
  return t as Tensor<"u8">;
}

async function caseFiles(env: GoldenEnv, c: GoldenCase): Promise<{ inputs: TensorSource; expected: TensorSource }> {
  if (!c.inputs) throw new GoldenManifestError(`case ${c.name} has no inputs file`);
  return { inputs: await openSafetensors(env.manifest.path(c.inputs)), expected: await openSafetensors(env.manifest.path(c.expected)) };
}

function compareAvailable(c: GoldenCase, expected: Map<string, Tensor>, actual: Readonly<Record<string, Tensor | undefined>>): TensorComparison[] {
  const out: TensorComparison[] = [];
  for (const [name, e] of expected) {
    const a = actual[name];
    if (a) out.push(compareTensor(name, a, e, ruleFor(c.tolerance, name)));
  }
  return out;
}

async function readExpected(source: TensorSource): Promise<Map<string, Tensor>> {
  const map = new Map<string, Tensor>();
  for (const name of source.names()) {
    const t = await source.read(name);
    map.set(name, t.dtype === "bf16" ? tensor("f32", t.dims, bf16ToF32(t.data as Uint16Array)) : t);
  }
  return map;
}

/** bf16 of our float32 img_cond against the reference's bf16 tensor: exact or 1 bf16 ulp. */
function compareBf16(name: string, actual: Tensor<"f32">, expectedBits: Tensor): TensorComparison {
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

/** decoded_u8: exact, except ±1 where decoded * 127.5 lies within 2e-3 of an integer (golden README). */
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
    const { inputs, expected } = await caseFiles(env, c);
    const vae = await loadVae(env, vaeId);
    try {
      const pixels = checkPixels(await readU8(inputs, "image_u8"), await readU8(inputs, "mask_u8"));
      const prepared = await prepareFill(vae, pixels, BFL_CONVENTIONS, () => {
        throw new GoldenManifestError("BFL conventions never sample the posterior");
      });
      const want = await readExpected(expected);
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
      const comparisons = compareAvailable(c, want, actual);
      if (expected.has("img_cond_bfl_bf16")) comparisons.push(compareBf16("img_cond_bfl_bf16", prepared.imgCond, await expected.read("img_cond_bfl_bf16")));
      return summarize(c.name, comparisons);
    } finally {
      await vae.release();
      await inputs.close();
      await expected.close();
    }
  },
};

export const fillPipelineRunner: ComponentRunner = {
  component: "fill-pipeline",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const [transformerId, vaeId] = c.weights;
    if (!transformerId || !vaeId) throw new GoldenManifestError(`case ${c.name} must name [transformer, VAE] weights`);
    const { inputs, expected } = await caseFiles(env, c);
    const params = fluxParamsFromBfl(configOf(env.manifest, transformerId)["bfl_FluxParams"] as BflFluxParamsJson);
    const transformer = await withSource(env.manifest, transformerId, (s) => FluxTransformer.load(env.engine, s, { params }));
    const vae = await loadVae(env, vaeId);
    try {
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
        { image: await readU8(inputs, "image_u8"), mask: await readU8(inputs, "mask_u8"), txt: await inputs.readF32("txt"), y: await inputs.readF32("y") },
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
      const want = await readExpected(expected);
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
      const comparisons = compareAvailable(c, want, actual);
      const expectedU8 = want.get("decoded_u8");
      if (expectedU8) comparisons.push(compareU8("decoded_u8", result.image, expectedU8, result.decoded));
      // The inputs file holds the reference's noise and schedule: check ours against them too.
      for (const name of ["noise", "timesteps", "img_cond"]) {
        const a = actual[name];
        if (a && inputs.has(name)) comparisons.push(compareTensor(`inputs.${name}`, a, await inputs.readF32(name), ruleFor(c.tolerance, name)));
      }
      return summarize(c.name, comparisons, `seed ${seed}, ${steps} steps`);
    } finally {
      await transformer.release();
      await vae.release();
      await inputs.close();
      await expected.close();
    }
  },
};
