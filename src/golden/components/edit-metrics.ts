/**
 * Golden component "edit-metrics": MagicBrush's image_eval.py protocol through scoreEdit, one
 * triple (source, generated, target, output caption) at a time, with weights [CLIPModel, ViTModel]
 * and the case's Resize/CenterCrop sizes. Also compares the preprocessed generated pixels of both models.
 */
import { clipModelConfigFromHf } from "../../models/clip/clip-config.js";
import { vitConfigFromHf } from "../../models/vit/config.js";
import { ClipModelRunner } from "../../eval/models/clip-model.js";
import { DinoVit } from "../../eval/models/dino.js";
import { scoreEdit, type EditMetricModels, type EditScores } from "../../eval/metrics/score-edit.js";
import { CLIP_TRANSFORM, DINO_TRANSFORM, preprocessImages } from "../../eval/preprocess/transform.js";
import { rgbImage, type RgbImage } from "../../image/rgb.js";
import { tensor, type Tensor } from "../../tensor.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { compareExpected, detailOf, numberParam, readTyped, weightsConfig, withCaseFiles, withWeights } from "../case-io.js";

/** Image n of a batch [N, H, W, 3]. */
function imageAt(batch: Tensor<"u8">, n: number): RgbImage {
  const [, h, w] = batch.dims as [number, number, number, number];
  const size = h * w * 3;
  return rgbImage(h, w, batch.data.slice(n * size, (n + 1) * size));
}

/** Row n of ids [N, T] as [1, T]. */
function idsAt(ids: Tensor<"i64">, n: number): Tensor<"i64"> {
  const t = ids.dims[1] as number;
  return tensor("i64", [1, t], ids.data.slice(n * t, (n + 1) * t));
}

const METRICS: readonly [string, keyof EditScores][] = [
  ["clip_i_generated_target", "clipI"],
  ["clip_i_source_generated", "clipISource"],
  ["clip_t_generated_caption", "clipOut"],
  ["dino_generated_target", "dino"],
  ["l1_generated_target", "l1"],
  ["l2_generated_target", "l2"],
];

async function openModels(env: GoldenEnv, c: GoldenCase): Promise<EditMetricModels> {
  const [clipId, dinoId] = c.weights;
  if (!clipId || !dinoId) throw new GoldenManifestError(`case ${c.name} must list [CLIPModel weights, ViTModel weights]`);
  const clipConfig = clipModelConfigFromHf(weightsConfig(env.manifest, clipId, "hf_CLIPConfig"));
  const dinoConfig = vitConfigFromHf(weightsConfig(env.manifest, dinoId, "hf_ViTConfig"));
  const clip = await withWeights(env.manifest, clipId, (weights) => ClipModelRunner.open(env.engine, { weights, config: clipConfig }));
  try {
    const dino = await withWeights(env.manifest, dinoId, (weights) => DinoVit.open(env.engine, { weights, config: dinoConfig }));
    const clipTransform = { ...CLIP_TRANSFORM, resize: numberParam(c, "clip_resize"), crop: numberParam(c, "clip_crop") };
    const dinoTransform = { ...DINO_TRANSFORM, resize: numberParam(c, "dino_resize"), crop: numberParam(c, "dino_crop") };
    return { clip, dino, clipTransform, dinoTransform };
  } catch (error) {
    await clip.release();
    throw error;
  }
}

export const editMetricsRunner: ComponentRunner = {
  component: "edit-metrics",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    return withCaseFiles(env, c, async (inputs, expected) => {
      const source = await readTyped(inputs, "source_u8", "u8");
      const generated = await readTyped(inputs, "generated_u8", "u8");
      const target = await readTyped(inputs, "target_u8", "u8");
      const captions = await readTyped(inputs, "caption_ids", "i64");
      const count = generated.dims[0] as number;
      const models = await openModels(env, c);
      try {
        const columns = METRICS.map(() => new Float32Array(count));
        const generatedImages: RgbImage[] = [];
        for (let n = 0; n < count; n++) {
          const edit = {
            source: imageAt(source, n),
            generated: imageAt(generated, n),
            target: imageAt(target, n),
            outputCaptionIds: idsAt(captions, n),
          };
          generatedImages.push(edit.generated);
          const scores = await scoreEdit(edit, models);
          METRICS.forEach(([, key], m) => {
            (columns[m] as Float32Array)[n] = scores[key] ?? Number.NaN;
          });
        }
        const actual: Record<string, Tensor> = {
          clip_pixels_generated: preprocessImages(generatedImages, models.clipTransform ?? CLIP_TRANSFORM),
          dino_pixels_generated: preprocessImages(generatedImages, models.dinoTransform ?? DINO_TRANSFORM),
        };
        METRICS.forEach(([name], m) => {
          actual[name] = tensor("f32", [count], columns[m]);
        });
        const { comparisons, missing } = await compareExpected(c, expected, actual);
        return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}, ${count} edits`], missing));
      } finally {
        await Promise.all([models.clip.release(), models.dino.release()]);
      }
    });
  },
};
