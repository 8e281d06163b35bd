/**
 * The library API: open a model once (from a folder or a Hugging Face repo id, cached or
 * downloaded), then edit images with instructions. `import { IceditSession, edit } from "icedit"`.
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { locateAdapter, parseAdapterSpec } from "../weights/hub/lora-locator.js";
import type { AdapterFile } from "../components/icedit-models.js";
import type { LoadedAdapter } from "../components/flux/transformer.js";
import { decodeImage, readImage } from "../image/index.js";
import { Engine } from "../runtime/engine.js";
import type { ExecutionProvider, SessionSettings } from "../runtime/protocol.js";
import { locate, type Located } from "../weights/hub/model-locator.js";
import { isFluxFolderFile, openFluxFillFolder } from "../weights/hub/model-folder.js";
import { convertedCacheDir, iceditCacheDir } from "../weights/hub/cache-dirs.js";
import { ConvertedCache, type CacheEvent } from "../weights/converted/index.js";
import type { QuantOptions } from "../components/params/quantized-params.js";
import { autoPrecision, type Precision } from "./auto-quant.js";
import type { DownloadProgress } from "../weights/hub/download.js";
import { DiskEmbeddingCache } from "../weights/embedding-cache.js";
import { openIceditModels, type IceditModels } from "../components/icedit-models.js";
import { SessionPool } from "../runtime/session-pool.js";
import { processPeakRssBytes } from "../runtime/peak-rss.js";
import { resolveBudget, SessionMemory, type MemoryRecord } from "./memory-plan.js";
import { editWork } from "./edit-work.js";
import { SELECTION_DEFAULTS } from "../pipelines/noise-selection/plan.js";
import { editImage, type EditOptions, type EditRecord } from "../pipelines/icedit/edit.js";
import { MemoryEmbeddingCache, TextConditioner } from "../components/text/conditioning.js";
import type { Tensor } from "../tensor.js";
import { editWithNoiseSelection, type CandidatePreview, type SelectionEditOptions, type TournamentRecord } from "../pipelines/noise-selection/index.js";

export const DEFAULT_MODEL = "black-forest-labs/FLUX.1-Fill-dev";
export const DEFAULT_LORA = "RiverZ/normal-lora";
/** Where a model folder may carry its own ICEdit LoRA (the demo model does). */
export const FOLDER_LORA = join("icedit-lora", "pytorch_lora_weights.safetensors");

export interface OpenOptions {
  /** A Hugging Face repo id or a local folder in the diffusers FLUX.1 Fill layout. */
  readonly model?: string;
  readonly revision?: string;
  /** A transformer file (e.g. flux1-fill-dev.safetensors) instead of the folder's transformer/. */
  readonly transformer?: string;
  /** A VAE file (e.g. ae.safetensors) instead of the folder's vae/. */
  readonly vae?: string;
  /** false: use only local folders and the hub cache. */
  readonly download?: boolean;
  readonly device?: ExecutionProvider;
  /** Intra-op threads (0: one per core). */
  readonly threads?: number;
  /** Keep text embeddings on disk here (null: in memory only). Default: <hub cache>/../icedit/embeddings. */
  readonly embeddingCacheDir?: string | null;
  readonly onDownload?: (progress: DownloadProgress) => void;
  readonly onLoad?: (component: string) => void;
  /**
   * LoRA / LoRA-MoE adapters: repo ids or paths, each optionally "…:scale". "auto" (the default)
   * uses the model folder's own ICEdit LoRA when it has one (icedit-lora/), else RiverZ/normal-lora;
   * an empty list applies none.
   */
  readonly loras?: readonly string[] | "auto";
  /** Scale of adapters given without ":scale". Default 1. */
  readonly loraScale?: number;
  /** Experts per token of MoE-LoRA adapters (not stored in the file). Default 1, as ICEdit. */
  readonly moeTopK?: number;
  /** Fold plain LoRA into the weights (base speed, fixed scale). */
  readonly mergeLora?: boolean;
  /**
   * Weights of the transformer and T5: "f32" (as stored, upcast), block-quantized "int8" / "int4",
   * or "auto" (the default): f32 when the model fits the memory budget at f32, else int8 on the
   * CPU and int4 on a GPU (api/auto-quant.ts).
   */
  readonly quant?: Precision | "auto";
  /**
   * Memory budget in bytes, or "auto" (the default): the machine's memory, or its cgroup's limit.
   * When the model's estimated footprint fits, every component stays loaded; otherwise each is
   * loaded when needed and the least recently used ones are released to stay within it.
   */
  readonly maxMemory?: number | "auto";
  /**
   * Where quantized weights are kept once converted (see `icedit convert`); null: convert at every
   * open, in memory. Default: $ICEDIT_CACHE_DIR/converted, else beside the Hugging Face cache.
   */
  readonly convertedCacheDir?: string | null;
  /** Weights per quantization block with int8/int4 (16 to 256, a power of two). Default 32. */
  readonly quantBlockSize?: number;
  /** Told when a converted-weights entry is used, (re)built or removed. */
  readonly onConverted?: (event: CacheEvent) => void;
}

export interface ModelIdentity {
  readonly spec: string;
  readonly path: string;
  readonly from: Located["from"];
  readonly repoId?: string;
  readonly revision?: string;
  readonly transformer: string;
  readonly vae: string;
  readonly adapters: readonly LoadedAdapterRecord[];
  /** What the converted-weights cache did at open (entries used, built or rebuilt, and why). */
  readonly converted: readonly CacheEvent[];
}

export interface LoadedAdapterRecord extends LoadedAdapter {
  readonly spec: string;
}

export interface SessionRecord extends EditRecord {
  readonly model: ModelIdentity;
  /** The precision used (what "auto" resolved to). */
  readonly quant: Precision;
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
    readonly quant: Precision,
    private readonly memory: SessionMemory,
  ) {}

  static async open(options: OpenOptions = {}): Promise<IceditSession> {
    const budgetBytes = resolveBudget(options.maxMemory);
    const spec = options.model ?? DEFAULT_MODEL;
    const located = await locate(spec, {
      revision: options.revision,
      download: options.download,
      include: isFluxFolderFile,
      onProgress: options.onDownload,
    });
    const folder = await openFluxFillFolder(located.path, { transformer: options.transformer, vae: options.vae });
    const adapters = await resolveAdapters(options, folder.root);
    const device = options.device ?? "cpu";
    const settings: Partial<SessionSettings> = { executionProvider: device, intraOpThreads: options.threads ?? 0 };
    const engine = new Engine();
    try {
      const converted: CacheEvent[] = [];
      const cacheDir = options.convertedCacheDir === undefined ? convertedCacheDir() : options.convertedCacheDir;
      const onEvent = (event: CacheEvent): void => {
        // A sequential plan reloads components: a repeated hit of an entry already recorded adds nothing.
        const last = converted.filter((e) => e.component === event.component).at(-1);
        if (!(event.kind === "hit" && last && (last.kind === "hit" || last.kind === "built"))) converted.push(event);
        options.onConverted?.(event);
      };
      const cache = cacheDir ? new ConvertedCache(cacheDir, { onEvent }) : undefined;
      const quantOf = (precision: Precision): QuantOptions | undefined =>
        precision === "f32" ? undefined : { bits: precision === "int8" ? 8 : 4, blockSize: options.quantBlockSize, cache, device };
      const asked = options.quant ?? "auto";
      const pool = new SessionPool(budgetBytes, { onLoading: options.onLoad });
      const models = await openIceditModels(engine, folder, {
        settings,
        adapters,
        pool,
        quant: asked === "auto" ? undefined : quantOf(asked),
        chooseQuant: asked === "auto" ? (sizes) => quantOf(autoPrecision(sizes, device, budgetBytes)) : undefined,
      });
      const precision: Precision = models.quant === null ? "f32" : models.quant.bits === 8 ? "int8" : "int4";
      const memory = await SessionMemory.start(models);
      const embeddingDir = options.embeddingCacheDir === undefined ? join(iceditCacheDir(), "embeddings") : options.embeddingCacheDir;
      const embeddings = embeddingDir ? new DiskEmbeddingCache(embeddingDir) : new MemoryEmbeddingCache();
      const identity: ModelIdentity = {
        spec,
        path: located.path,
        from: located.from,
        repoId: located.repoId,
        revision: located.revision,
        transformer: folder.transformer.weights,
        vae: folder.vae.weights,
        adapters: models.transformer.adapters.map((a, i) => ({ ...a, spec: adapters[i]?.spec ?? a.name })),
        converted,
      };
      return new IceditSession(engine, models, new TextConditioner(models.text, embeddings), identity, device, precision, memory);
    } catch (error) {
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

async function resolveAdapters(options: OpenOptions, root: string): Promise<AdapterFile[]> {
  const scale = options.loraScale ?? 1;
  let specs: readonly string[];
  if (options.loras === undefined || options.loras === "auto") {
    specs = existsSync(join(root, FOLDER_LORA)) ? [join(root, FOLDER_LORA)] : [DEFAULT_LORA];
  } else specs = options.loras;
  const files: AdapterFile[] = [];
  for (const text of specs) {
    const { spec, scale: given } = parseAdapterSpec(text, scale);
    const file = await locateAdapter(spec, { download: options.download, revision: undefined, onProgress: options.onDownload });
    files.push({ spec, file, scale: given, topK: options.moeTopK, merge: options.mergeLora });
  }
  return files;
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
