/**
 * The library API: open a model once (from a folder or a Hugging Face repo id, cached or
 * downloaded), then edit images with instructions. `import { IceditSession, edit } from "icedit"`.
 */
import { join } from "node:path";
import { decodeImage, readImage } from "../image/index.js";
import type { Engine } from "../runtime/engine.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { iceditCacheDir } from "../weights/hub/cache-dirs.js";
import { DiskEmbeddingCache } from "../weights/embedding-cache.js";
import type { IceditModels } from "../components/icedit-models.js";
import type { PrecisionKind } from "../components/precision.js";
import { openModel, type ModelIdentity, type OpenOptions } from "./open-model.js";
import { processPeakRssBytes } from "../runtime/peak-rss.js";
import { SessionMemory, type MemoryRecord } from "./memory-plan.js";
import { editWork } from "./edit-work.js";
import { SELECTION_DEFAULTS } from "../pipelines/noise-selection/plan.js";
import { editImage, type EditOptions, type EditRecord } from "../pipelines/icedit/edit.js";
import { MemoryEmbeddingCache, TextConditioner } from "../components/text/conditioning.js";
import type { Tensor } from "../tensor.js";
import { editWithNoiseSelection, type CandidatePreview, type SelectionEditOptions, type TournamentRecord } from "../pipelines/noise-selection/index.js";

export { DEFAULT_LORA, DEFAULT_MODEL, FOLDER_LORA, type LoadedAdapterRecord, type ModelIdentity, type OpenOptions } from "./open-model.js";

export interface SessionRecord extends EditRecord {
  readonly model: ModelIdentity;
  /** The precision used (what "auto" resolved to). */
  readonly quant: PrecisionKind;
  readonly device: ExecutionProvider;
  /** Peak resident memory of the process so far, in bytes. */
  readonly peakRssBytes: number;
  /** The memory plan, the estimates at this edit's size, what was loaded or evicted, and each stage's peak. */
  readonly memory: MemoryRecord;
  readonly icedit: string;
}

export interface SessionEditResult {
  readonly image: Tensor<"u8">;
  readonly record: SessionRecord;
}

export type ImageInput = string | Uint8Array | Tensor<"u8">;

export interface SelectionSessionResult {
  readonly image: Tensor<"u8">;
  readonly previews: readonly CandidatePreview[];
  readonly record: SessionRecord & { readonly tournament: TournamentRecord };
}

export const ICEDIT_VERSION = "0.1.0";

export class IceditSession {
  private constructor(
    private readonly engine: Engine,
    private readonly models: IceditModels,
    private readonly text: TextConditioner,
    readonly model: ModelIdentity,
    readonly device: ExecutionProvider,
    readonly quant: PrecisionKind,
    private readonly memory: SessionMemory,
  ) {}

  static async open(options: OpenOptions = {}): Promise<IceditSession> {
    const { engine, models, identity, device, precision } = await openModel(options);
    try {
      const memory = await SessionMemory.start(models);
      const embeddingDir = options.embeddingCacheDir === undefined ? join(iceditCacheDir(), "embeddings") : options.embeddingCacheDir;
      const embeddings = embeddingDir ? new DiskEmbeddingCache(embeddingDir) : new MemoryEmbeddingCache();
      return new IceditSession(engine, models, new TextConditioner(models.text, embeddings), identity, device, precision.kind, memory);
    } catch (error) {
      await models.release();
      await engine.close();
      throw error;
    }
  }

  /** Edits `image` (a path, encoded bytes, or [H, W, 3] pixels) by `instruction`. */
  async edit(image: ImageInput, instruction: string, options: EditOptions = {}): Promise<SessionEditResult> {
    const pixels = await toPixels(image);
    const memory = this.memory.beginEdit(editWork(pixels, options.width));
    try {
      const result = await editImage({ transformer: this.models.transformer, vae: this.models.vae, text: this.text }, pixels, instruction, {
        ...options,
        onProgress: memory.watch(options.onProgress),
      });
      return { image: result.image, record: { ...result.record, ...this.identityRecord(memory.finish()) } };
    } finally {
      memory.finish();
    }
  }

  /**
   * VLM-guided early-filter noise selection: M seeds run m steps as one batch, the judge picks the
   * best early preview, and only the winner runs on to the last step.
   */
  async editWithSelection(image: ImageInput, instruction: string, options: SelectionEditOptions): Promise<SelectionSessionResult> {
    const pixels = await toPixels(image);
    const candidates = candidateCount(options);
    const memory = this.memory.beginEdit(editWork(pixels, options.width, { candidates, batchSize: options.batchSize, previewBatch: options.previewBatch }));
    try {
      const result = await editWithNoiseSelection({ transformer: this.models.transformer, vae: this.models.vae, text: this.text }, pixels, instruction, {
        ...options,
        onProgress: memory.watch(options.onProgress),
      });
      return {
        image: result.image,
        previews: result.previews,
        record: { ...result.record, ...this.identityRecord(memory.finish()) },
      };
    } finally {
      memory.finish();
    }
  }

  private identityRecord(memory: MemoryRecord): Omit<SessionRecord, keyof EditRecord> {
    return { model: this.model, device: this.device, quant: this.quant, peakRssBytes: processPeakRssBytes(), memory, icedit: ICEDIT_VERSION };
  }

  async close(): Promise<void> {
    await this.models.release();
    await this.engine.close();
  }
}

/** Noise selection's candidate count, for the memory estimates (bad counts are the edit's to report). */
function candidateCount(options: SelectionEditOptions): number {
  return options.seeds?.length ?? options.candidates ?? SELECTION_DEFAULTS.candidates;
}

async function toPixels(image: ImageInput): Promise<Tensor<"u8">> {
  return typeof image === "string" ? readImage(image) : image instanceof Uint8Array ? decodeImage(image) : image;
}

export interface EditRequest extends OpenOptions, EditOptions {
  readonly image: ImageInput;
  readonly instruction: string;
}

/** One edit: open the model, edit, close. For several edits keep an IceditSession open. */
export async function edit(request: EditRequest): Promise<SessionEditResult> {
  const session = await IceditSession.open(request);
  try {
    return await session.edit(request.image, request.instruction, request);
  } finally {
    await session.close();
  }
}
