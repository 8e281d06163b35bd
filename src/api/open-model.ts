/**
 * The one place a model is opened: locate it (folder, hub cache or download), find its adapters,
 * set up the converted-weights cache, resolve the precision ("auto" once), plan the memory, and
 * open every component. The session (and through it the server) and `icedit convert` call it;
 * the faces reach models only through here.
 */
import { readModelSettings, type ModelEditDefaults } from "./model-settings.js";
import { basename, join } from "node:path";
import { existsSync } from "node:fs";
import type { EditLimits } from "./edit-limits.js";
import { locateAdapter, parseAdapterSpec } from "../weights/hub/lora-locator.js";
import { Engine } from "../runtime/engine.js";
import type { ExecutionProvider, SessionSettings } from "../runtime/protocol.js";
import { SessionPool } from "../runtime/session-pool.js";
import { locate, type Located } from "../weights/hub/model-locator.js";
import { isFluxFolderFile, openFluxFillFolder, type FluxFillFolder } from "../weights/hub/model-folder.js";
import { convertedCacheDir, iceditCacheDir } from "../weights/hub/cache-dirs.js";
import type { DownloadProgress } from "../weights/hub/download.js";
import { ConvertedCache, type CacheEvent } from "../weights/converted/index.js";
import { openIceditModels, type AdapterFile, type EditMethod, type IceditModels } from "../components/icedit-models.js";
import { folderFluxParams } from "../components/flux/sizes.js";
import { openWeights } from "../weights/open-weights.js";
import { withOpened } from "../weights/source-opener.js";
import { chooseEditMethod } from "./edit-method.js";
import type { LoadedAdapter } from "../components/flux/transformer.js";
import { CONVERTIBLE, convertModelFolder, type ConvertedComponent, type ConvertibleComponent } from "../components/convert-models.js";
import {
  precisionChoice,
  precisionOf,
  QUANTIZED_KIND,
  type Precision,
  type PrecisionChoice,
  type PrecisionKind,
  type QuantizedPrecision,
} from "../components/precision.js";
import type { ModelSizes } from "../components/memory-estimates.js";
import { InvalidArgumentError } from "../errors.js";
import { autoPrecision, fastestForm, type AutoQuantRecord } from "./auto-quant.js";
import { kernelTable } from "../components/kernels/kernel-table.js";
import type { MachineInfo } from "../components/kernels/machine.js";
import { resolveBudget } from "./memory-plan.js";

export const DEFAULT_MODEL = "black-forest-labs/FLUX.1-Fill-dev";
export const DEFAULT_LORA = "RiverZ/normal-lora";
/** Where a model folder may carry its own ICEdit LoRA (the demo model does). */
export const FOLDER_LORA = join("icedit-lora", "pytorch_lora_weights.safetensors");

export interface OpenOptions {
  /**
   * A Hugging Face repo id or a local folder in the diffusers layout: FLUX.1 Fill [dev] (edits with
   * ICEdit) or FLUX.1 Kontext [dev] (edits with Kontext).
   */
  readonly model?: string;
  /**
   * The editing method; default: the one the model runs (api/edit-method.ts). "kontext" also marks
   * a 64-channel checkpoint whose name does not say Kontext as one.
   */
  readonly method?: EditMethod;
  readonly revision?: string;
  /** A transformer file (e.g. flux1-fill-dev.safetensors, flux1-kontext-dev.safetensors, a GGUF) instead of the folder's transformer/. */
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
  /** Most bytes the embeddings on disk may take; the least recently used go first. Default 256 MiB. */
  readonly embeddingCacheSize?: number;
  readonly onDownload?: (progress: DownloadProgress) => void;
  readonly onLoad?: (component: string) => void;
  /**
   * LoRA / LoRA-MoE adapters: repo ids or paths, each optionally "…:scale". "auto" (the default)
   * uses the adapter the folder's icedit.json names, else (ICEdit only) the model folder's own
   * ICEdit LoRA when it has one (icedit-lora/), else RiverZ/normal-lora; Kontext takes none;
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
   * Weights of the transformer and T5: "f32" (as stored, upcast), block-quantized "int8" / "int4"
   * (a kind, or {kind, blockSize, accuracyLevel}: 16 to 256 weights per block, default 32), or
   * "auto" (the default): f32 when the model fits the memory budget at f32, else on the CPU the
   * fastest int8 form of this machine's kernel table (measured once, about half a minute), int4
   * on a GPU (api/auto-quant.ts). A block size given with "auto" restricts it to that size.
   */
  readonly precision?: PrecisionChoice | PrecisionKind | "auto";
  /** Where the machine's kernel table is kept (quant "auto"); null: measured at every open that needs it. Default: $ICEDIT_CACHE_DIR/kernels. */
  readonly kernelTableDir?: string | null;
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
  /** Told when a converted-weights entry is used, (re)built or removed. */
  readonly onConverted?: (event: CacheEvent) => void;
  /** Told when quant "auto" measures this machine's kernel table (once per machine: about half a minute). */
  readonly onKernelMeasure?: (machine: MachineInfo) => void;
  /** Raise (or lower) the limits on steps, width, candidates, threads and input pixels (api/edit-limits.ts). */
  readonly limits?: Partial<EditLimits>;
}

export interface ModelIdentity {
  readonly spec: string;
  /** The editing method the model runs. */
  readonly method: EditMethod;
  readonly path: string;
  readonly from: Located["from"];
  readonly repoId?: string;
  readonly revision?: string;
  readonly transformer: string;
  readonly vae: string;
  readonly adapters: readonly LoadedAdapterRecord[];
  /** The folder's own edit defaults (icedit.json; {} for a published FLUX.1 Fill). */
  readonly editDefaults: ModelEditDefaults;
  /** What the converted-weights cache did at open (entries used, built or rebuilt, and why). */
  readonly converted: readonly CacheEvent[];
  /** With quant "auto": the form chosen and why (the kernel table it was chosen from). */
  readonly autoQuant?: AutoQuantRecord;
}

export interface LoadedAdapterRecord extends LoadedAdapter {
  readonly spec: string;
}

/** Where the model is and what its folder holds. */
type LocateOptions = Pick<OpenOptions, "model" | "revision" | "download" | "onDownload" | "transformer" | "vae">;

async function locateModel(options: LocateOptions): Promise<{ spec: string; located: Located; folder: FluxFillFolder }> {
  const spec = options.model ?? DEFAULT_MODEL;
  const located = await locate(spec, {
    revision: options.revision,
    download: options.download,
    include: isFluxFolderFile,
    onProgress: options.onDownload,
  });
  const folder = await openFluxFillFolder(located.path, { transformer: options.transformer, vae: options.vae });
  return { spec, located, folder };
}

function cacheRoot(dir: string | null | undefined): string | null {
  return dir === undefined ? convertedCacheDir() : dir;
}

export interface OpenedModel {
  readonly engine: Engine;
  readonly models: IceditModels;
  readonly identity: ModelIdentity;
  readonly device: ExecutionProvider;
  /** The precision of the transformer and T5 ("auto" resolved). */
  readonly precision: Precision;
}

function kernelDir(dir: string | null | undefined): string | null {
  return dir === undefined ? join(iceditCacheDir(), "kernels") : dir;
}

/** Opens a model for editing: its components in a session pool under the memory budget, on an engine of their own. */
export async function openModel(options: OpenOptions = {}): Promise<OpenedModel> {
  const budgetBytes = resolveBudget(options.maxMemory);
  const choice = precisionChoice(options.precision ?? "auto");
  const { spec, located, folder } = await locateModel(options);
  const flux = await withOpened(
    () => openWeights(folder.transformer.weights),
    async (s) => folderFluxParams(folder, s),
  );
  const names = [located.repoId, basename(folder.root), basename(folder.transformer.weights)];
  const method = chooseEditMethod({ model: spec, flux, pipelineClass: folder.pipelineClass, names }, options.method);
  const folderSettings = await readModelSettings(folder.root);
  const adapters = await resolveAdapters(options, folder.root, folderSettings.adapter, method);
  const editDefaults = folderSettings.edit;
  const device = options.device ?? "cpu";
  const settings: Partial<SessionSettings> = { executionProvider: device, intraOpThreads: options.threads ?? 0 };
  const engine = new Engine();
  try {
    const converted: CacheEvent[] = [];
    const onEvent = (event: CacheEvent): void => {
      // A sequential plan reloads components: a repeated hit of an entry already recorded adds nothing.
      const last = converted.filter((e) => e.component === event.component).at(-1);
      if (!(event.kind === "hit" && last && (last.kind === "hit" || last.kind === "built"))) converted.push(event);
      options.onConverted?.(event);
    };
    const root = cacheRoot(options.convertedCacheDir);
    const cache = root ? new ConvertedCache(root, { onEvent, device }) : undefined;
    let autoQuant: AutoQuantRecord | undefined;
    const kernels = () => kernelTable(engine, { dir: kernelDir(options.kernelTableDir), settings, onMeasure: options.onKernelMeasure });
    const precision =
      choice.kind === "auto"
        ? async (sizes: ModelSizes) => {
            const auto = await autoPrecision(sizes, device, budgetBytes, { blockSize: choice.blockSize, kernels });
            autoQuant = auto.record;
            return auto.precision;
          }
        : precisionOf(choice.kind, choice.blockSize, choice.accuracyLevel);
    const pool = new SessionPool(budgetBytes, { onLoading: options.onLoad });
    const models = await openIceditModels(engine, folder, { settings, adapters, pool, precision, cache, method });
    const identity: ModelIdentity = {
      spec,
      method,
      path: located.path,
      from: located.from,
      repoId: located.repoId,
      revision: located.revision,
      transformer: folder.transformer.weights,
      vae: folder.vae.weights,
      adapters: models.transformer.adapters.map((a, i) => ({ ...a, spec: adapters[i]?.spec ?? a.name })),
      editDefaults,
      converted,
      ...(autoQuant ? { autoQuant } : {}),
    };
    return { engine, models, identity, device, precision: models.precision };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

export interface ConvertOptions extends Pick<OpenOptions, "model" | "revision" | "transformer" | "download" | "onDownload"> {
  /** The quantized kind and block size; "auto": the device's quantized kind (int8 on the CPU, int4 on GPUs). */
  readonly precision: QuantizedPrecision | PrecisionChoice;
  /** Recorded in the entries (the converted weights are the same on every device); picks "auto". Default cpu. */
  readonly device?: ExecutionProvider;
  readonly components?: readonly ConvertibleComponent[];
  /** The converted-weights cache. Default: as IceditSession.open's. */
  readonly cacheDir?: string;
  /** Re-hash existing entries even when their files look unchanged. */
  readonly verify?: boolean;
  /** Where the machine's kernel table is kept (precision "auto"). Default: as IceditSession.open's. */
  readonly kernelTableDir?: string | null;
  readonly onEvent?: (event: CacheEvent) => void;
  readonly onTensor?: (component: ConvertibleComponent, done: number, total: number) => void;
}

/**
 * The precision a conversion makes: a quantized kind; "auto" as an open would choose for a model
 * that does not fit at float32: on the CPU the fastest acceptable form of this machine's kernel
 * table (measured now if it never was), on a GPU the device's kind.
 */
export async function convertPrecision(
  choice: PrecisionChoice | QuantizedPrecision,
  device: ExecutionProvider = "cpu",
  kernelTableDir?: string | null,
): Promise<{ precision: QuantizedPrecision; autoQuant?: AutoQuantRecord }> {
  if (choice.kind === "auto" && device === "cpu") {
    const engine = new Engine();
    try {
      const auto = fastestForm(await kernelTable(engine, { dir: kernelDir(kernelTableDir) }), choice.blockSize);
      return { precision: auto.precision, autoQuant: auto.record };
    } finally {
      await engine.close();
    }
  }
  const kind = choice.kind === "auto" ? QUANTIZED_KIND[device] : choice.kind;
  if (kind === "f32")
    throw new InvalidArgumentError("converting to f32 makes nothing: convert to int8 or int4 (float weights are read as they are)");
  return { precision: { kind, blockSize: precisionOf(kind, choice.blockSize).blockSize } };
}

/** Converts a model's transformer and T5 once into the converted-weights cache, as an open with the same precision would. */
export async function convertModel(options: ConvertOptions): Promise<ConvertedComponent[]> {
  const device = options.device ?? "cpu";
  const { precision } = await convertPrecision(options.precision, device, options.kernelTableDir);
  const { folder } = await locateModel(options);
  const root = options.cacheDir ?? convertedCacheDir();
  const cache = new ConvertedCache(root, { verify: options.verify ? "always" : "changed", onEvent: options.onEvent, device });
  return convertModelFolder(folder, { precision, cache, components: options.components ?? CONVERTIBLE, onTensor: options.onTensor });
}

/** `folderAdapter`: the adapter the folder's icedit.json names, if any; ICEdit's adapters are the default for ICEdit only. */
async function resolveAdapters(
  options: OpenOptions,
  root: string,
  folderAdapter: string | undefined,
  method: EditMethod,
): Promise<AdapterFile[]> {
  const scale = options.loraScale ?? 1;
  let specs: readonly string[];
  if (options.loras === undefined || options.loras === "auto") {
    if (folderAdapter) specs = [folderAdapter];
    else if (method === "kontext") specs = [];
    else specs = existsSync(join(root, FOLDER_LORA)) ? [join(root, FOLDER_LORA)] : [DEFAULT_LORA];
  } else specs = options.loras;
  const files: AdapterFile[] = [];
  for (const text of specs) {
    const { spec, scale: given } = parseAdapterSpec(text, scale);
    const file = await locateAdapter(spec, { download: options.download, revision: undefined, onProgress: options.onDownload });
    files.push({ spec, file, scale: given, topK: options.moeTopK, merge: options.mergeLora });
  }
  return files;
}
