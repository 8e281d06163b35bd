/**
 * Golden component "dino-vit": transformers ViTModel without pooler (DINO's layout): cls (the CLS
 * row after the final layernorm) and last_hidden_state from pixel_values. Sizes come from the
 * case's hf_ViTConfig; every weights id must pass.
 */
import { vitConfigFromHf } from "../../models/vit/config.js";
import { DinoVit } from "../../eval/models/dino.js";
import type { TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { caseConfig, compareExpected, detailOf, withCaseFiles, withWeights } from "../case-io.js";

export const dinoVitRunner: ComponentRunner = {
  component: "dino-vit",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const config = vitConfigFromHf(caseConfig(env.manifest, c, "hf_ViTConfig"));
    if (c.weights.length === 0) throw new GoldenManifestError(`case ${c.name} lists no weights`);
    return withCaseFiles(env, c, async (inputs, expected) => {
      const pixels = await inputs.readF32("pixel_values");
      const comparisons: TensorComparison[] = [];
      const missing: string[] = [];
      for (const id of c.weights) {
        const dino = await withWeights(env.manifest, id, (source) => DinoVit.open(env.engine, { weights: source, config }));
        try {
          const out = await dino.features(pixels);
          const actual = { cls: out.cls, last_hidden_state: out.lastHiddenState };
          const result = await compareExpected(c, expected, actual, c.weights.length > 1 ? id : undefined);
          comparisons.push(...result.comparisons);
          missing.push(...result.missing);
        } finally {
          await dino.release();
        }
      }
      const sizes = `image ${config.imageSize}/${config.patchSize} x${config.numLayers}, eps ${config.layerNormEps}`;
      return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}, ${sizes}`], missing));
    });
  },
};
