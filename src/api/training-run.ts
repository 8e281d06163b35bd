/**
 * The one place where `train()` meets the model: opening the base model at the chosen precision,
 * preparing (encoding and caching) the data, building the adapter's initial tensors and the
 * training step. `train()` calls `openTrainingRun` unless its options pass their own `openRun`
 * (tests pass fakes). The parts it needs live in src/train/data (data readers and the
 * encoded-example cache) and src/train/step (the training graph); this function wires them.
 */
import type { AdapterParams, LossAndGrads, PreparedDataset, RunFingerprint, SampleEdit, TrainEvent } from "../train/loop/index.js";
import { TrainingError } from "../train/loop/index.js";

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
  /** The module set: "icedit" (ICEdit's targets, MoE on ff.net / proj_out). */
  readonly targets: string;
  /** Start from this adapter (a Hugging Face id or a file) instead of a fresh init. */
  readonly initAdapter: string | null;
}

/** What `openTrainingRun` is asked to open. */
export interface TrainingRunRequest {
  /** Hugging Face repo id or folder of the FLUX.1 Fill model. */
  readonly model: string;
  /** Data sets: folders with metadata.jsonl, parquet shards or folders of shards. */
  readonly data: readonly string[];
  readonly adapter: AdapterSettings;
  /** Side of each half of the training diptych (pixels). */
  readonly size: number;
  /** Precision of the frozen base. */
  readonly quant: TrainQuant;
  /** The run's seed (the adapter's fresh init draws from it). */
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrainEvent) => void;
}

/** Everything the loop needs from the model and the data. */
export interface TrainingRun {
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

/** The real model, data and training step are not wired into this build yet. */
export class TrainingNotWiredError extends TrainingError {}

/**
 * Opens the model, prepares the data and builds the training step for a run.
 * TO WIRE: open the model (src/api/open-model.ts) at `quant`; prepare the data with the readers and
 * the encoded-example cache of src/train/data at `size`; build the adapter's initial tensors
 * (fresh, or read from `adapter.initAdapter`) and the training step of src/train/step, whose run()
 * is the LossAndGrads; fingerprint = the model's weights identity and the cache's data key;
 * adapterMetadata = adapterFileMetadata(...); sampleEdit = an edit through the session's edit path
 * with the current adapter tensors.
 */
export async function openTrainingRun(request: TrainingRunRequest): Promise<TrainingRun> {
  throw new TrainingNotWiredError(
    `icedit train cannot open ${request.model} in this build: the training step (src/train/step) and the data cache ` +
      "(src/train/data) are not wired into openTrainingRun (src/api/training-run.ts) yet",
  );
}
