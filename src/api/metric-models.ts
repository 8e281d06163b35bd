/**
 * The editing metrics' models opened from Hugging Face folders (a path, the hub cache, or a
 * download into it), as transformers saves them: a CLIPModel folder (config.json,
 * model.safetensors, the CLIP tokenizer files) and a ViTModel folder (config.json,
 * model.safetensors). One engine of their own; `score` runs scoreEdit with the output caption
 * tokenized by the CLIP folder's tokenizer (77 ids, truncated, as CLIPProcessor does).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { clipModelConfigFromHf } from "../models/clip/clip-config.js";
import { vitConfigFromHf } from "../models/vit/config.js";
import { ClipModelRunner } from "../eval/models/clip-model.js";
import { DinoVit } from "../eval/models/dino.js";
import { scoreEdit, type EditMetricModels, type EditScores, type EditToScore } from "../eval/metrics/score-edit.js";
import { DINO_TRANSFORM, type ImageTransform } from "../eval/preprocess/transform.js";
import { Engine } from "../runtime/engine.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { PromptTokenizer, idsTensor } from "../text/tokenizer.js";
import { ModelFolderError } from "../weights/hub/errors.js";
import { locate, type Located } from "../weights/hub/model-locator.js";
import type { DownloadProgress } from "../weights/hub/download.js";
import { openSafetensors } from "../weights/safetensors/open.js";
import type { SourceOpener } from "../weights/source-opener.js";

/** MagicBrush's CLIP-I and CLIP-T model. */
export const MAGICBRUSH_CLIP_MODEL = "openai/clip-vit-base-patch32";
/** The CLIP model of ICEdit's Emu Edit numbers. */
export const EMU_EDIT_CLIP_MODEL = "openai/clip-vit-large-patch14";
export const DINO_MODEL = "facebook/dino-vits16";

const WEIGHT_FILES = ["model.safetensors.index.json", "model.safetensors"];
const TOKENIZER_FILES = ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];
/** CLIP's text length. */
const CLIP_TEXT_LENGTH = 77;

export interface MetricModelsOptions {
  /** A CLIPModel folder or repo id. */
  readonly clip: string;
  /** A ViTModel folder or repo id (DINO). */
  readonly dino: string;
  /** false: never download (paths and the hub cache only). */
  readonly download?: boolean;
  readonly device?: ExecutionProvider;
  readonly threads?: number;
  readonly onDownload?: (progress: DownloadProgress) => void;
}

/** Where each model came from. */
export interface MetricModelsIdentity {
  readonly clip: Located;
  readonly dino: Located;
}

/** What the metrics need of one edit; the output caption is text here (tokenized by the CLIP folder's tokenizer). */
export interface EditToMeasure extends Omit<EditToScore, "outputCaptionIds"> {
  readonly outputCaption?: string;
}

const isWanted = (path: string): boolean =>
  path === "config.json" || WEIGHT_FILES.includes(path) || /^model-\d+-of-\d+\.safetensors$/.test(path) || TOKENIZER_FILES.includes(path);

async function readConfig(dir: string, what: string): Promise<unknown> {
  const path = join(dir, "config.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ModelFolderError(dir, what, `${path} is missing: a transformers model folder holds config.json beside its weights`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelFolderError(dir, what, `${path} is not valid JSON (${(error as Error).message})`);
  }
}

function weightsOf(dir: string, what: string): SourceOpener {
  const file = WEIGHT_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!file) {
    const bin = existsSync(join(dir, "pytorch_model.bin"))
      ? " (it has pytorch_model.bin: save it as safetensors with save_pretrained)"
      : "";
    throw new ModelFolderError(dir, what, `no weights: expected ${WEIGHT_FILES.join(" or ")}${bin}`);
  }
  return () => openSafetensors(file);
}

/** DINO's Resize(256)/CenterCrop(224) scaled to a model of another input size (the demo's tiny ViT). */
function dinoTransformFor(side: number): ImageTransform {
  return side === DINO_TRANSFORM.crop ? DINO_TRANSFORM : { ...DINO_TRANSFORM, resize: Math.round((side * 256) / 224), crop: side };
}

export class MetricModels {
  private constructor(
    private readonly engine: Engine,
    private readonly models: EditMetricModels,
    private readonly tokenizer: PromptTokenizer,
    readonly identity: MetricModelsIdentity,
  ) {}

  static async open(options: MetricModelsOptions): Promise<MetricModels> {
    const where = { download: options.download, include: isWanted, onProgress: options.onDownload };
    const clipAt = await locate(options.clip, { ...where, what: "CLIP model" });
    const dinoAt = await locate(options.dino, { ...where, what: "DINO model" });
    const clipConfig = clipModelConfigFromHf(await readConfig(clipAt.path, "CLIP model"));
    const dinoConfig = vitConfigFromHf(await readConfig(dinoAt.path, "DINO model"));
    const tokenizer = await PromptTokenizer.fromFolder(clipAt.path, "clip", CLIP_TEXT_LENGTH);
    const settings = { executionProvider: options.device ?? "cpu", intraOpThreads: options.threads ?? 0 };
    const engine = new Engine();
    const opened: { release(): Promise<void> }[] = [];
    try {
      const clip = await ClipModelRunner.open(engine, { config: clipConfig, weights: weightsOf(clipAt.path, "CLIP model"), settings });
      opened.push(clip);
      const dino = await DinoVit.open(engine, { config: dinoConfig, weights: weightsOf(dinoAt.path, "DINO model"), settings });
      const models = { clip, dino, dinoTransform: dinoTransformFor(dinoConfig.imageSize) };
      return new MetricModels(engine, models, tokenizer, { clip: clipAt, dino: dinoAt });
    } catch (error) {
      await Promise.all(opened.map((m) => m.release()));
      await engine.close();
      throw error;
    }
  }

  /** Every metric whose inputs `edit` has (scoreEdit). */
  async score(edit: EditToMeasure): Promise<EditScores> {
    const caption = edit.outputCaption?.trim();
    const outputCaptionIds = caption ? idsTensor([this.tokenizer.encode(caption)]) : undefined;
    return scoreEdit({ generated: edit.generated, source: edit.source, target: edit.target, outputCaptionIds }, this.models);
  }

  async close(): Promise<void> {
    await Promise.all([this.models.clip.release(), this.models.dino.release()]);
    await this.engine.close();
  }
}
