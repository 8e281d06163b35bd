/**
 * Golden component "clip-model": transformers CLIPModel. image_embeds, vision_pooler_output and
 * vision_last_hidden_state from pixel_values; text_embeds from input_ids (pooled by the config's
 * EOS rule). Sizes come from the case's hf_CLIPConfig; every weights id must pass.
 */
import { clipModelConfigFromHf } from "../../models/clip/clip-config.js";
import { ClipModelRunner } from "../../eval/models/clip-model.js";
import type { Tensor } from "../../tensor.js";
import type { TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { readIds } from "./t5.js";
import { caseConfig, compareExpected, detailOf, withCaseFiles, withWeights } from "../case-io.js";

export const clipModelRunner: ComponentRunner = {
  component: "clip-model",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const config = clipModelConfigFromHf(caseConfig(env.manifest, c, "hf_CLIPConfig"));
    if (c.weights.length === 0) throw new GoldenManifestError(`case ${c.name} lists no weights`);
    return withCaseFiles(env, c, async (inputs, expected) => {
      const pixels = await inputs.readF32("pixel_values");
      const ids = await readIds(inputs);
      const comparisons: TensorComparison[] = [];
      const missing: string[] = [];
      for (const id of c.weights) {
        const clip = await withWeights(env.manifest, id, (source) => ClipModelRunner.open(env.engine, { weights: source, config }));
        try {
          const image = await clip.embedImages(pixels);
          const text = await clip.embedTexts(ids);
          const actual: Record<string, Tensor> = {
            image_embeds: image.imageEmbeds,
            vision_pooler_output: image.pooled,
            vision_last_hidden_state: image.lastHiddenState,
            text_embeds: text.textEmbeds,
            text_pooler_output: text.pooled,
          };
          const result = await compareExpected(c, expected, actual, c.weights.length > 1 ? id : undefined);
          comparisons.push(...result.comparisons);
          missing.push(...result.missing);
        } finally {
          await clip.release();
        }
      }
      const { vision, text } = config;
      const sizes = `vision ${vision.imageSize}/${vision.patchSize} x${vision.numLayers}, text eos ${text.eosTokenId}, projection ${config.projectionDim}`;
      return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}, ${sizes}`], missing));
    });
  },
};
