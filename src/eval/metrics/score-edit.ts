/**
 * The editing-quality metrics of one edit, as MagicBrush's evaluation/image_eval.py computes them
 * (ICEdit's tables follow it):
 *   CLIP-I        cos(CLIP(generated), CLIP(target))
 *   CLIP-I source cos(CLIP(source), CLIP(generated))             (Emu Edit's CLIP-I)
 *   CLIP-Out      cos(CLIP(generated), CLIP_text(output caption)) (CLIP-T)
 *   DINO          cos(DINO_cls(generated), DINO_cls(target))
 *   L1, L2        pixel distances on [0, 1], generated resized to the target (pixel-distance.ts)
 * A metric whose inputs were not given is null.
 */
import { InvalidArgumentError } from "../../errors.js";
import type { RgbImage } from "../../image/rgb.js";
import { idsTensor, type PromptTokenizer } from "../../text/tokenizer.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { ClipModelRunner } from "../models/clip-model.js";
import type { DinoVit } from "../models/dino.js";
import { CLIP_TRANSFORM, DINO_TRANSFORM, type ImageTransform, preprocessImages } from "../preprocess/transform.js";
import { cosineSimilarity, embeddingRow } from "./cosine.js";
import { pixelDistances } from "./pixel-distance.js";

/** The models the metrics run, and their preprocessing (defaults: openai CLIP's and MagicBrush's DINO transform). */
export interface EditMetricModels {
  readonly clip: ClipModelRunner;
  readonly dino: DinoVit;
  /** Default: Resize and CenterCrop to the CLIP tower's image_size, CLIP's mean and std. */
  readonly clipTransform?: ImageTransform;
  /** Default: Resize(256), CenterCrop(224), ImageNet's mean and std. */
  readonly dinoTransform?: ImageTransform;
  /** The CLIP tokenizer (77 ids), for edits whose output caption is given as text. */
  readonly tokenizer?: PromptTokenizer;
}

export interface EditToScore {
  /** The edited image, [H, W, 3] u8. */
  readonly generated: RgbImage;
  /** The image before the edit (CLIP-I source). */
  readonly source?: RgbImage;
  /** The ground-truth edited image (CLIP-I, DINO, L1, L2). */
  readonly target?: RgbImage;
  /** The output caption (CLIP-Out), tokenized with `models.tokenizer`. */
  readonly outputCaption?: string;
  /** Or its CLIP token ids, [T] or [1, T] with T <= 77. */
  readonly outputCaptionIds?: Tensor<"i64">;
}

export interface EditScores {
  readonly clipI: number | null;
  readonly clipISource: number | null;
  readonly clipOut: number | null;
  readonly dino: number | null;
  readonly l1: number | null;
  readonly l2: number | null;
}

/** The transforms `models` use, checked against the models' input sizes. */
export function metricTransforms(models: EditMetricModels): { clip: ImageTransform; dino: ImageTransform } {
  const side = models.clip.config.vision.imageSize;
  const clip = models.clipTransform ?? { ...CLIP_TRANSFORM, resize: side, crop: side };
  const dino = models.dinoTransform ?? DINO_TRANSFORM;
  for (const [what, t, size] of [
    ["CLIP", clip, side],
    ["DINO", dino, models.dino.config.imageSize],
  ] as const) {
    if (t.crop !== size) {
      throw new InvalidArgumentError(
        `the ${what} transform crops to ${t.crop} but the model takes ${size}x${size} images: give a transform with crop ${size}`,
      );
    }
  }
  return { clip, dino };
}

/** The caption's ids as [1, T]: given, or tokenized from its text. */
function captionBatch(edit: EditToScore, models: EditMetricModels): Tensor<"i64"> | null {
  if (edit.outputCaption !== undefined && edit.outputCaptionIds)
    throw new InvalidArgumentError("give the output caption as text or as ids, not both");
  if (edit.outputCaption !== undefined) {
    if (!models.tokenizer)
      throw new InvalidArgumentError(
        "the output caption is text but the metric models have no CLIP tokenizer: open them with one, or give its ids",
      );
    return idsTensor([models.tokenizer.encode(edit.outputCaption)]);
  }
  const ids = edit.outputCaptionIds;
  if (!ids) return null;
  if (ids.dims.length === 1) return tensor("i64", [1, ids.dims[0] as number], ids.data);
  if (ids.dims.length === 2 && ids.dims[0] === 1) return ids;
  throw new InvalidArgumentError(`the output caption's ids must be [T] or [1, T], got [${ids.dims.join(", ")}]`);
}

/** Every metric whose inputs `edit` has; runs CLIP on up to three images and one caption, DINO on two images. */
export async function scoreEdit(edit: EditToScore, models: EditMetricModels): Promise<EditScores> {
  const transforms = metricTransforms(models);
  const images = [edit.generated, ...(edit.source ? [edit.source] : []), ...(edit.target ? [edit.target] : [])];
  const clipImages = (await models.clip.embedImages(preprocessImages(images, transforms.clip))).imageEmbeds;
  const generated = embeddingRow(clipImages, 0);
  const clipISource = edit.source ? cosineSimilarity(embeddingRow(clipImages, 1), generated) : null;
  const clipI = edit.target ? cosineSimilarity(generated, embeddingRow(clipImages, images.length - 1)) : null;
  let clipOut: number | null = null;
  const caption = captionBatch(edit, models);
  if (caption) {
    const text = await models.clip.embedTexts(caption);
    clipOut = cosineSimilarity(generated, embeddingRow(text.textEmbeds, 0));
  }
  if (!edit.target) return { clipI, clipISource, clipOut, dino: null, l1: null, l2: null };
  const dinoCls = (await models.dino.features(preprocessImages([edit.generated, edit.target], transforms.dino))).cls;
  const dino = cosineSimilarity(embeddingRow(dinoCls, 0), embeddingRow(dinoCls, 1));
  const { l1, l2 } = pixelDistances(edit.generated, edit.target);
  return { clipI, clipISource, clipOut, dino, l1, l2 };
}
