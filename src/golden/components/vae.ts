/**
 * Golden component "vae": BFL AutoEncoder.encode (inputs `image` -> moments, mean, latent) and
 * AutoEncoder.decode (inputs `latent` -> z_unscaled, image). Sizes come from the case's config
 * (bfl_AutoEncoderParams), the weights from the case's first weights id, in either layout.
 */
import { vaeParamsFromBfl, type BflAutoEncoderParamsJson, type VaeParams } from "../../models/vae/params.js";
import { Vae } from "../../components/vae/vae.js";
import type { Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import type { TensorSource } from "../../weights/source.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase, type GoldenManifest } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";

/** The VAE params of a case: its config, else the config of its weights. */
export function vaeParamsOf(manifest: GoldenManifest, c: GoldenCase): VaeParams {
  const weightConfig = c.weights[0] ? manifest.weights[c.weights[0]]?.config : undefined;
  const configName = c.config ?? weightConfig;
  const json = configName ? manifest.configs[configName]?.["bfl_AutoEncoderParams"] : undefined;
  if (!json) throw new GoldenManifestError(`case ${c.name}: config ${configName ?? "(none)"} has no bfl_AutoEncoderParams`);
  return vaeParamsFromBfl(json as BflAutoEncoderParamsJson);
}

/** Runs what the inputs ask for: encode when there is an `image`, decode when there is a `latent`. */
async function runVae(vae: Vae, inputs: TensorSource): Promise<Record<string, Tensor>> {
  const actual: Record<string, Tensor> = {};
  if (inputs.has("latent")) {
    const { zUnscaled, image } = await vae.decode(await inputs.readF32("latent"));
    Object.assign(actual, { z_unscaled: zUnscaled, image });
  }
  if (inputs.has("image")) {
    const { moments, mean, latent } = await vae.encode(await inputs.readF32("image"));
    Object.assign(actual, { moments, mean, latent });
  }
  return actual;
}

export const vaeRunner: ComponentRunner = {
  component: "vae",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const params = vaeParamsOf(env.manifest, c);
    const id = c.weights[0];
    const entry = id ? env.manifest.weights[id] : undefined;
    if (!id || !entry) throw new GoldenManifestError(`case ${c.name}: weights ${id ?? "(none)"} are not in the manifest`);
    if (!c.inputs) throw new GoldenManifestError(`case ${c.name} has no inputs file`);
    const inputs = await openSafetensors(env.manifest.path(c.inputs));
    const expected = await openSafetensors(env.manifest.path(c.expected));
    try {
      const parts = { encoder: inputs.has("image"), decoder: inputs.has("latent") };
      if (!parts.encoder && !parts.decoder)
        throw new GoldenManifestError(`case ${c.name}: inputs have neither an image (encode) nor a latent (decode)`);
      const source = await openSafetensors(env.manifest.path(entry.file));
      let vae: Vae;
      try {
        vae = await Vae.open(env.engine, { weights: source, params, parts });
      } finally {
        await source.close();
      }
      let actual: Record<string, Tensor>;
      try {
        actual = await runVae(vae, inputs);
      } finally {
        await vae.release();
      }
      const comparisons: TensorComparison[] = [];
      for (const name of expected.names()) {
        const a = actual[name];
        if (!a)
          throw new GoldenManifestError(`case ${c.name}: expected tensor ${name} is not a VAE output (${Object.keys(actual).join(", ")})`);
        comparisons.push(compareTensor(name, a, await expected.readF32(name), ruleFor(c.tolerance, name)));
      }
      return summarize(c.name, comparisons, `weights ${id}`);
    } finally {
      await inputs.close();
      await expected.close();
    }
  },
};
