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
import { SessionMemory, type EditMemory, type MemoryRecord } from "./memory-plan.js";
import type { WorkSize } from "../components/memory-estimates.js";
import { editWork, kontextWork } from "./edit-work.js";
import { resolveEditLimits, type EditLimits } from "./edit-limits.js";
import { checkThreads } from "./edit-validation.js";
import { editImage, type EditRecord, type EditResult } from "../pipelines/icedit/edit.js";
import { kontextEdit } from "../pipelines/kontext/edit.js";
import { checkedKontextSettings } from "./kontext-options.js";
import { MemoryEmbeddingCache, TextConditioner } from "../components/text/conditioning.js";
import type { Tensor } from "../tensor.js";
import type { CandidatePreview } from "../pipelines/noise-selection/index.js";
import { checkedEditSettings, checkEditInputs, type EditOptions, type ImageInput } from "./edit-options.js";
import type { EditMethod } from "../components/icedit-models.js";
import { withModelDefaults } from "./model-settings.js";

export { DEFAULT_LORA, DEFAULT_MODEL, type ModelIdentity, type OpenOptions } from "./open-model.js";

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
  /** [h, w, 3] uint8: the edited image (with noise selection, the winner's). */
  readonly image: Tensor<"u8">;
  /** Noise selection: the candidates' early previews (right halves), in seed order; empty for a plain edit. */
  readonly previews: readonly CandidatePreview[];
  /** With noise selection, `record.tournament` says how the winner was chosen. */
  readonly record: SessionRecord;
}

export type { ImageInput } from "./edit-options.js";

/** An edit of one method, checked: the work it gives the models (for the memory plan) and the run. */
interface PlannedEdit {
  work(pixels: Tensor<"u8">, references: readonly Tensor<"u8">[]): WorkSize;
  run(pixels: Tensor<"u8">, memory: EditMemory, references: readonly Tensor<"u8">[]): Promise<EditResult>;
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
    private readonly limits: EditLimits,
  ) {}

  static async open(options: OpenOptions = {}): Promise<IceditSession> {
    // Checked before any model work: a bad limit, thread count or cache size fails at once.
    const limits = resolveEditLimits(options.limits);
    checkThreads(options.threads, limits);
    const embeddingDir = options.embeddingCacheDir === undefined ? join(iceditCacheDir(), "embeddings") : options.embeddingCacheDir;
    const embeddings = embeddingDir
      ? new DiskEmbeddingCache(embeddingDir, { maxBytes: options.embeddingCacheSize })
      : new MemoryEmbeddingCache();
    const { engine, models, identity, device, precision } = await openModel(options);
    try {
      const memory = await SessionMemory.start(models);
      return new IceditSession(
        engine,
        models,
        new TextConditioner(models.text, embeddings),
        identity,
        device,
        precision.kind,
        memory,
        limits,
      );
    } catch (error) {
      await models.release();
      await engine.close();
      throw error;
    }
  }

  /**
   * Edits `image` (a path, encoded bytes, or [H, W, 3] pixels) by `instruction`: the one edit
   * entry, for both methods (the model decides: ICEdit for FLUX.1 Fill, Kontext for FLUX.1 Kontext
   * [dev]; `record.method` says which ran). Options left out take EDIT_DEFAULTS (Kontext:
   * KONTEXT_DEFAULTS first), applied here, once. With `options.selection` (either method), VLM-guided
   * early-filter noise selection: M seeds run m steps as one batch, the judge picks the best early
   * preview, and only the winner runs on to the last step. Where the model folder names its own
   * defaults (icedit.json, the demo's width), they come before the defaults.
   */
  async edit(image: ImageInput, instruction: string, options: EditOptions = {}): Promise<SessionEditResult> {
    // The one place an edit's options are checked and completed, before any work.
    const planned = this.plan(image, instruction, withModelDefaults(options, this.model.editDefaults));
    const pixels = await toPixels(image, this.limits.maxPixels);
    const references: Tensor<"u8">[] = [];
    for (const reference of options.references ?? []) references.push(await toPixels(reference, this.limits.maxPixels));
    const memory = this.memory.beginEdit(planned.work(pixels, references));
    try {
      const result = await planned.run(pixels, memory, references);
      return { image: result.image, previews: result.previews, record: { ...result.record, ...this.identityRecord(memory.finish()) } };
    } finally {
      memory.finish();
    }
  }

  /** The edit of this session's method, its settings checked and completed. */
  private plan(image: ImageInput, instruction: string, options: EditOptions): PlannedEdit {
    const models = { transformer: this.models.transformer, vae: this.models.vae, text: this.text };
    if (this.model.method === "kontext") {
      const settings = checkedKontextSettings(image, instruction, options, this.limits);
      return {
        work: (pixels, references) => kontextWork(pixels, settings, references),
        run: (pixels, memory, references) =>
          kontextEdit(models, pixels, instruction, { ...settings, references, onProgress: memory.watch(settings.onProgress) }),
      };
    }
    const settings = checkedEditSettings(image, instruction, options, this.limits);
    return {
      work: (pixels) => editWork(pixels, settings),
      run: (pixels, memory) => editImage(models, pixels, instruction, { ...settings, onProgress: memory.watch(settings.onProgress) }),
    };
  }

  /** The editing method this session's model runs. */
  get method(): EditMethod {
    return this.model.method;
  }

  private identityRecord(memory: MemoryRecord): Omit<SessionRecord, keyof EditRecord> {
    return {
      model: this.model,
      device: this.device,
      quant: this.quant,
      peakRssBytes: processPeakRssBytes(),
      memory,
      icedit: ICEDIT_VERSION,
    };
  }

  async close(): Promise<void> {
    await this.models.release();
    await this.engine.close();
  }
}

async function toPixels(image: ImageInput, maxPixels: number): Promise<Tensor<"u8">> {
  return typeof image === "string"
    ? readImage(image, { maxPixels })
    : image instanceof Uint8Array
      ? decodeImage(image, { maxPixels })
      : image;
}

export interface EditRequest extends OpenOptions, EditOptions {
  readonly image: ImageInput;
  readonly instruction: string;
}

/** One edit: open the model, edit, close. For several edits keep an IceditSession open. */
export async function edit(request: EditRequest): Promise<SessionEditResult> {
  // Checked before the model loads: a bad option fails in milliseconds, not after minutes of loading
  // (what depends on the method, which the model decides, is checked by the session's edit).
  checkEditInputs(request.image, request.instruction, request, resolveEditLimits(request.limits));
  const session = await IceditSession.open(request);
  try {
    return await session.edit(request.image, request.instruction, request);
  } finally {
    await session.close();
  }
}
