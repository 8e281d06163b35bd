/**
 * The one place where `train()` meets the model: opening the base model at the chosen precision,
 * preparing (encoding and caching) the data, building the adapter's initial tensors and the
 * training step. The model decides the method (as for an edit): FLUX.1 Fill trains an ICEdit
 * adapter on diptychs; FLUX.1 Kontext [dev] a Kontext adapter (the target's tokens noisy, the
 * source's condition tokens after them, the instruction as the prompt, the loss on the target only). `train()` calls `openTrainingRun` unless its options pass their own `openRun`
 * (tests pass fakes). The parts it needs live in src/train/data (data readers and the
 * encoded-example cache) and src/train/step (the training graph); this function wires them.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RgbImage } from "../image/rgb.js";
import { writeSafetensors } from "../weights/safetensors/writer.js";
import { ConvertedCache } from "../weights/converted/index.js";
import { convertedCacheDir, iceditCacheDir } from "../weights/hub/cache-dirs.js";
import { locateAdapter } from "../weights/hub/lora-locator.js";
import { loraTargetModules, type LoraTargetSet } from "../weights/lora/icedit-modules.js";
import { LoraTargets } from "../weights/lora/targets.js";
import { openWeights } from "../weights/open-weights.js";
import { openSafetensors } from "../weights/safetensors/open.js";
import { describePrecision } from "../components/precision.js";
import { Flux } from "../models/flux/model.js";
import { validateFluxParams, type FluxParams } from "../models/flux/params.js";
import { Prng } from "../numeric/prng.js";
import { freshTrainableAdapter, trainableAdapterFromFile, type TrainableAdapter } from "../train/adapter/index.js";
import { describeSkips, encodersOf, openTrainingData, prepareExamples, type TrainingData } from "../train/data/index.js";
import { adapterFileMetadata, type AdapterShape } from "../train/loop/adapter-metadata.js";
import type { AdapterParams, LossAndGrads, PreparedDataset, RunFingerprint, SampleEdit, TrainEvent } from "../train/loop/index.js";
import { TrainingError } from "../train/loop/index.js";
import { lossAndGradsOf, TrainingStep, type LatentGrid } from "../train/step/index.js";
import { openModel } from "./open-model.js";
import type { EditMethod } from "../components/icedit-models.js";
import { edit } from "./session.js";

export type AdapterKind = "lora" | "moe";
export type TrainQuant = "f32" | "int8" | "int4";

/** The adapter to train. */
export interface AdapterSettings {
  readonly kind: AdapterKind;
  readonly rank: number;
  readonly alpha: number;
  /** LoRA-MoE: experts per MoE module (ICEdit: 4). */
  readonly experts: number;
  /** LoRA-MoE: experts each token uses (ICEdit: 1). */
  readonly topK: number;
  /** The module set (LORA_TARGET_SETS): "icedit", ICEdit's targets (MoE on ff.net / proj_out), or "icedit+text". */
  readonly targets: LoraTargetSet;
  /** Start from this adapter (a Hugging Face id or a file) instead of a fresh init. */
  readonly initAdapter: string | null;
}

/** What `openTrainingRun` is asked to open. */
export interface TrainingRunRequest {
  /** Hugging Face repo id or folder of the FLUX.1 Fill (ICEdit) or FLUX.1 Kontext [dev] model. */
  readonly model: string;
  /** Data sets: folders with metadata.jsonl, parquet shards or folders of shards. */
  readonly data: readonly string[];
  readonly adapter: AdapterSettings;
  /** Side of each half of the training diptych, or of Kontext's square source and target (pixels). */
  readonly size: number;
  /** Precision of the frozen base. */
  readonly quant: TrainQuant;
  /** Recompute each block in the backward pass (default true; see TrainOptions.checkpointing). */
  readonly checkpointing?: boolean;
  /** The run's seed (the adapter's fresh init draws from it). */
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
}

/** Everything the loop needs from the model and the data. */
export interface TrainingRun {
  /** The editing method the adapter trains for (the model's). */
  readonly method?: EditMethod;
  readonly dataset: PreparedDataset;
  readonly lossAndGrads: LossAndGrads;
  /** The adapter before training, in the adapter file's key layout. */
  readonly initialParams: AdapterParams;
  /** __metadata__ for the adapter files (see adapterFileMetadata). */
  readonly adapterMetadata: Readonly<Record<string, string>>;
  /** The identity of the frozen model and the prepared data (compared on resume). */
  readonly fingerprint: RunFingerprint;
  /** An edit with the adapter as it is, for --sample-every (through the edit path); absent: no samples. */
  readonly sampleEdit?: SampleEdit;
  /** Frees the model's sessions and buffers. */
  release(): Promise<void>;
}

export type TrainingRunFactory = (request: TrainingRunRequest) => Promise<TrainingRun>;

/** What the adapter file of a run says about its shape (the loop writes it as the file's __metadata__). */
function adapterShape(adapter: TrainableAdapter, kind: AdapterKind): AdapterShape {
  const first = adapter.modules[0];
  const moe = adapter.modules.find((m) => m.kind === "moe");
  const plain = adapter.modules.find((m) => m.kind === "plain");
  const rank = first?.rank ?? 0;
  return {
    kind: moe ? "moe" : kind === "moe" ? "moe" : "lora",
    rank,
    alpha: plain && plain.kind === "plain" ? plain.scaling * plain.rank : rank,
    experts: moe && moe.kind === "moe" ? moe.experts.length : 0,
    topK: moe && moe.kind === "moe" ? moe.topK : 1,
    targetModules: adapter.modules.map((m) => m.module),
  };
}

/** The adapter to start from: read from `initAdapter` (a file or Hugging Face id), or ICEdit's fresh init. */
async function initialAdapter(request: TrainingRunRequest, flux: FluxParams): Promise<TrainableAdapter> {
  const { adapter } = request;
  const targets = LoraTargets.fromParams(new Flux(flux).parameters());
  if (adapter.initAdapter) {
    const file = await locateAdapter(adapter.initAdapter, { download: true, revision: undefined });
    const source = await openSafetensors(file);
    try {
      return await trainableAdapterFromFile(source, targets, adapter.kind === "moe" ? { topK: adapter.topK } : {});
    } finally {
      await source.close();
    }
  }
  const modules = loraTargetModules({ ...flux, mlpHidden: validateFluxParams(flux).mlpHidden }, adapter.targets);
  return freshTrainableAdapter(targets, modules, {
    rank: adapter.rank,
    alpha: adapter.alpha,
    experts: adapter.kind === "moe" ? adapter.experts : 0,
    topK: adapter.topK,
    seed: request.seed,
  });
}

/** A hash of what the prepared data is made of: every usable entry's identity and the training size. */
function dataFingerprint(data: TrainingData, size: number): string {
  const hash = createHash("sha256").update(`size ${size}\n`);
  for (let i = 0; i < data.count; i++) hash.update(`${JSON.stringify(data.identity(i))}\n`);
  return hash.digest("hex");
}

/**
 * An edit with the adapter as it is now, through the one edit path: the tensors are written to a
 * temporary adapter file (with the run's metadata, so it loads as it will be saved), and `edit()`
 * opens the model with it at f32, edits the first usable example's source, and closes.
 */
function sampleEditOf(request: TrainingRunRequest, data: TrainingData, metadata: Readonly<Record<string, string>>): SampleEdit {
  return async (params, { instruction, step }) => {
    let source: RgbImage | null = null;
    for (let i = 0; i < data.count && !source; i++) source = (await data.get(i))?.source ?? null;
    if (!source) throw new TrainingError("no usable example to sample an edit of");
    const dir = await mkdtemp(join(tmpdir(), "icedit-sample-"));
    try {
      const adapter = join(dir, `step-${step}.safetensors`);
      await writeSafetensors(adapter, params, { ...metadata });
      const result = await edit({ model: request.model, loras: [adapter], precision: "f32", image: source, instruction, steps: 28 });
      return result.image;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Opens the model, prepares the data and builds the training step for a run: the model folder
 * through openModel (text encoders and VAE, to encode the data once into the example cache), the
 * frozen transformer at `quant` inside the training-step graph, the adapter fresh or from a file.
 */
export async function openTrainingRun(request: TrainingRunRequest): Promise<TrainingRun> {
  const note = (message: string): void => request.onEvent?.({ kind: "note", message });
  // The data's structure is checked first: a bad data set fails before the model loads.
  const prng = new Prng(request.seed);
  const data = await openTrainingData(request.data, { random: () => prng.uniform() });
  for (const line of describeSkips(data.skipped)) note(line);
  const opened = await openModel({ model: request.model, loras: [], precision: request.quant });
  let step: TrainingStep | null = null;
  try {
    const flux = opened.models.params.flux;
    const encoders = await encodersOf(opened);
    const cacheDir = join(iceditCacheDir(), "train-examples");
    const { method } = opened.identity;
    if (method === "kontext") note("method: FLUX.1 Kontext (the source as condition tokens, the loss on the target's tokens only)");
    const dataset = await prepareExamples(encoders, data, {
      size: request.size,
      method,
      cacheDir,
      signal: request.signal,
      onProgress: (p) => {
        if (p.done === p.total || p.done % Math.max(1, Math.floor(p.total / 100)) === 0) {
          request.onEvent?.({ kind: "data", done: p.done, total: p.total, cached: p.cached, encoded: p.encoded });
        }
        if (p.done === p.total) note(`data: ${p.total} examples, ${p.cached} from the cache, ${p.encoded} encoded, ${p.skipped} skipped`);
      },
      onRecompute: (origin, reason) => note(`data: the cached encoding of ${origin} was recomputed (${reason})`),
    });
    // The encoders are done: their sessions go, the transformer's training graph comes.
    await opened.models.pool.close();
    const adapter = await initialAdapter(request, flux);
    step = await TrainingStep.open(opened.engine, {
      params: flux,
      adapter,
      weights: () => openWeights(opened.identity.transformer),
      precision: opened.precision,
      checkpointing: request.checkpointing,
      conditionTokens: method === "kontext",
      cache: new ConvertedCache(convertedCacheDir(), { device: opened.device }),
    });
    const side = request.size / 16;
    const grid: LatentGrid =
      method === "kontext" ? { rows: side, cols: side, condition: { rows: side, cols: side } } : { rows: side, cols: 2 * side };
    const training = step;
    const lossAndGrads = lossAndGradsOf(training, grid);
    const fingerprint: RunFingerprint = {
      model: JSON.stringify({
        transformer: opened.identity.transformer,
        precision: describePrecision(opened.precision),
        text: encoders.fingerprint,
        ...(method === "icedit" ? {} : { method }),
      }),
      data: dataFingerprint(data, request.size),
    };
    const adapterMetadata = adapterFileMetadata({ ...adapterShape(adapter, request.adapter.kind), method });
    return {
      method,
      dataset,
      lossAndGrads,
      initialParams: adapter.cloneInitial(),
      adapterMetadata,
      fingerprint,
      sampleEdit: sampleEditOf(request, data, adapterMetadata),
      release: async () => {
        await training.release();
        await opened.engine.close();
      },
    };
  } catch (error) {
    await step?.release();
    await opened.engine.close();
    throw error;
  }
}
