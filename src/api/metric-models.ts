/**
 * The editing metrics' models for the faces: located as a path, in the hub cache, or downloaded
 * into it (a CLIPModel folder with its tokenizer files, a ViTModel folder), then opened by
 * src/eval/models/open-folder.ts on an engine of their own. A DINO model whose input is not 224 px
 * (the demo's tiny one) gets DINO's Resize(256)/CenterCrop(224) scaled to its size.
 */
import { openEditMetricModels, releaseEditMetricModels } from "../eval/models/open-folder.js";
import { scoreEdit, type EditMetricModels, type EditScores, type EditToScore } from "../eval/metrics/score-edit.js";
import { DINO_TRANSFORM, type ImageTransform } from "../eval/preprocess/transform.js";
import { vitConfigFromHf } from "../models/vit/config.js";
import { Engine } from "../runtime/engine.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { openTransformersFolder } from "../weights/hub/transformers-folder.js";
import { locate, type Located } from "../weights/hub/model-locator.js";
import type { DownloadProgress } from "../weights/hub/download.js";

/** MagicBrush's CLIP-I and CLIP-T model. */
export const MAGICBRUSH_CLIP_MODEL = "openai/clip-vit-base-patch32";
/** The CLIP model of ICEdit's Emu Edit numbers. */
export const EMU_EDIT_CLIP_MODEL = "openai/clip-vit-large-patch14";
export const DINO_MODEL = "facebook/dino-vits16";

const TOKENIZER_FILES = ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

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

/** What the metrics need of one edit (the output caption as text). */
export type EditToMeasure = Omit<EditToScore, "outputCaptionIds">;

const isWanted = (path: string): boolean =>
  path === "config.json" || /^model(-\d+-of-\d+)?\.safetensors(\.index\.json)?$/.test(path) || TOKENIZER_FILES.includes(path);

/** DINO's Resize(256)/CenterCrop(224) scaled to a model of another input size (the demo's tiny ViT). */
function dinoTransformFor(side: number): ImageTransform {
  return side === DINO_TRANSFORM.crop ? DINO_TRANSFORM : { ...DINO_TRANSFORM, resize: Math.round((side * 256) / 224), crop: side };
}

export class MetricModels {
  private constructor(
    private readonly engine: Engine,
    private readonly models: EditMetricModels,
    readonly identity: MetricModelsIdentity,
  ) {}

  static async open(options: MetricModelsOptions): Promise<MetricModels> {
    const where = { download: options.download, include: isWanted, onProgress: options.onDownload };
    const clipAt = await locate(options.clip, { ...where, what: "CLIP model" });
    const dinoAt = await locate(options.dino, { ...where, what: "DINO model" });
    const dinoSide = vitConfigFromHf((await openTransformersFolder(dinoAt.path, "DINO ViT")).config).imageSize;
    const settings = { executionProvider: options.device ?? "cpu", intraOpThreads: options.threads ?? 0 };
    const engine = new Engine();
    try {
      const models = await openEditMetricModels(engine, {
        clip: clipAt.path,
        dino: dinoAt.path,
        settings,
        dinoTransform: dinoTransformFor(dinoSide),
      });
      return new MetricModels(engine, models, { clip: clipAt, dino: dinoAt });
    } catch (error) {
      await engine.close();
      throw error;
    }
  }

  /** Every metric whose inputs `edit` has (scoreEdit). */
  async score(edit: EditToMeasure): Promise<EditScores> {
    const caption = edit.outputCaption?.trim();
    return scoreEdit({ ...edit, outputCaption: caption === "" ? undefined : caption }, this.models);
  }

  async close(): Promise<void> {
    await releaseEditMetricModels(this.models);
    await this.engine.close();
  }
}
