/** `icedit train`'s flags: the table, the help text, and their values as train()'s options. */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { DEFAULT_MODEL } from "../api/open-model.js";
import { ADAPTER_DTYPES } from "../train/loop/index.js";
import { ADAPTER_KINDS, TRAIN_DEFAULTS, TRAIN_OPTIMIZERS, TRAIN_QUANTS, type TrainOptions } from "../api/train-options.js";
import { LORA_TARGET_SETS } from "../weights/lora/icedit-modules.js";
import { UsageError } from "./io.js";
import { choiceOption, intOption, numberOption } from "./options.js";

const d = TRAIN_DEFAULTS;

export const TRAIN_USAGE = `usage: icedit train --data PATH --out DIR --steps N [options]
       icedit train --resume DIR [--steps N]

Trains ICEdit's LoRA or LoRA-MoE adapter on FLUX.1 Fill from your edit triplets (source,
instruction, target): the diptych source | target with the right half masked, the flow-matching
loss, as ICEdit's training code. With a FLUX.1 Kontext [dev] model it trains a Kontext adapter on
the same data: the target's tokens noisy, the source's tokens after them as the condition, the
instruction as the prompt, the loss on the target's tokens only. Writes DIR/checkpoint-<step>/ (adapter, optimizer state, data
position), DIR/log.jsonl (one line per step), DIR/loss.png and, at the end, DIR/adapter.safetensors
(load it with icedit edit --lora DIR/adapter.safetensors).

Data and model:
  --data PATH          a folder with metadata.jsonl ({"source","target","instruction"} lines),
                       a parquet shard (MagicBrush or OmniEdit columns) or a folder of shards;
                       repeat for several                                        (required)
  --model ID|PATH      the FLUX.1 Fill (ICEdit) or FLUX.1 Kontext [dev] model
                                                                  default: ${DEFAULT_MODEL}
  --quant Q            the frozen base's weights: f32, int8 or int4   default: ${d.quant}
  --size S             side of each half of the diptych (Kontext: of the square source
                       and target), a multiple of 16                        default: ${d.size}
  --no-checkpointing   keep every block's activations for the backward pass: faster
                       (about 1.5x), more memory (default: each block is recomputed)
Adapter:
  --adapter A          moe (LoRA-MoE on ff.net / proj_out, LoRA elsewhere) or lora
                                                                  default: ${d.adapter}
  --rank R             rank of every LoRA and expert              default: ${d.rank}
  --alpha A            LoRA alpha (scaling alpha / rank)          default: the rank
  --experts E          experts per MoE layer (moe)                default: ${d.experts}
  --top-k K            experts per token (moe)                    default: ${d.topK}
  --targets T          the modules adapted: icedit (ICEdit's), icedit+text (also the
                       double blocks' text stream) or all (every linear layer)
                                                                  default: ${d.targets}
  --init-adapter ID|PATH  continue from an adapter (e.g. ICEdit's) instead of a fresh init
Optimization:
  --optimizer O        prodigy or adamw                           default: ${d.optimizer}
  --lr LR              learning rate            default: ${d.lr.prodigy} (prodigy), ${d.lr.adamw} (adamw)
  --weight-decay W     decoupled weight decay                     default: ${d.weightDecay}
  --clip C             max total gradient norm                    default: ${d.clip}
  --batch B            examples per micro-batch       default: ${d.batch.moe} (moe), ${d.batch.lora} (lora)
  --grad-accum N       micro-batches per step         default: ${d.gradAccum.moe} (moe), ${d.gradAccum.lora} (lora)
  --steps N            optimizer steps of the run                 (required unless --resume)
  --lr-decay-steps N   decay the lr linearly towards 0 over the last N steps; a constant
                       run can be resumed with a decay that starts after its checkpoint
                                                                  default: ${d.lrDecaySteps} (constant)
  --text-dropout P     probability of training on the empty prompt   default: ${d.textDropout}
  --logit-mean M       t = sigmoid(M + S randn): M > 0 trains more at high noise,
                       where an edit's layout is decided              default: ${d.logitMean}
  --logit-std S        the spread S of that logit-normal t             default: ${d.logitStd}
  --seed N             seed of the data order, t, noise and init  default: ${d.seed}
Output:
  --out DIR            checkpoints, log, loss plot and adapter    (required unless --resume)
  --save-every N       a checkpoint every N steps (and at the end)   default: ${d.saveEvery}
  --keep-checkpoints N newest checkpoints kept                    default: ${d.keepCheckpoints}
  --adapter-dtype D    f32 or bf16: the dtype of DIR/adapter.safetensors (bf16, as ICEdit's
                       released adapters, halves the file; checkpoints stay f32)
                                                                  default: ${d.adapterDtype}
  --sample-every N     every N steps, edit with the adapter so far into DIR/samples/
  --sample-instruction TEXT  the sample edit's instruction (with --sample-every)
  --resume DIR         continue the run in DIR from its newest complete checkpoint (after
                       Ctrl-C or a crash); unset options take the checkpoint's values
  --json               progress as JSON lines on standard output
  -q, --quiet          print only the adapter path and errors
  -h, --help           this help

Ctrl-C stops after the current step and saves a checkpoint; --resume DIR continues bit for bit.`;

export const TRAIN_FLAGS = {
  data: { type: "string", multiple: true },
  model: { type: "string" },
  quant: { type: "string" },
  size: { type: "string" },
  adapter: { type: "string" },
  rank: { type: "string" },
  alpha: { type: "string" },
  experts: { type: "string" },
  "top-k": { type: "string" },
  targets: { type: "string" },
  "init-adapter": { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  "weight-decay": { type: "string" },
  clip: { type: "string" },
  batch: { type: "string" },
  "grad-accum": { type: "string" },
  steps: { type: "string" },
  "lr-decay-steps": { type: "string" },
  "text-dropout": { type: "string" },
  "logit-mean": { type: "string" },
  "logit-std": { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  "save-every": { type: "string" },
  "keep-checkpoints": { type: "string" },
  "adapter-dtype": { type: "string" },
  "sample-every": { type: "string" },
  "sample-instruction": { type: "string" },
  resume: { type: "string" },
  json: { type: "boolean" },
  "no-checkpointing": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

type Values = Readonly<Record<string, string | boolean | string[] | undefined>>;

function text(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === "string" ? value : undefined;
}

const int = (values: Values, key: string, min: number): number | undefined => {
  const v = text(values, key);
  return v === undefined ? undefined : intOption(key, v, min, min);
};

function positive(values: Values, key: string, orZero = false): number | undefined {
  const v = text(values, key);
  if (v === undefined) return undefined;
  const n = numberOption(key, v, 0);
  if (n < 0 || (!orZero && n === 0)) throw new UsageError(`--${key} takes a number ${orZero ? ">= 0" : "> 0"}, got "${v}"`);
  return n;
}

function real(values: Values, key: string): number | undefined {
  const v = text(values, key);
  return v === undefined ? undefined : numberOption(key, v, 0);
}

function choice<T extends string>(values: Values, key: string, choices: readonly T[]): T | undefined {
  const v = text(values, key);
  return v === undefined ? undefined : choiceOption(key, v, choices[0] as T, choices);
}

/** Refuses a --data path that does not exist (before any model loads). */
async function checkData(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const found = await stat(path).catch(() => null);
    if (!found) throw new UsageError(`--data ${path}: no such file or folder`);
  }
}

/** train()'s options from the flags (without the callbacks); every bad value names its flag. */
export async function trainOptionsFromFlags(values: Values): Promise<TrainOptions> {
  const data = Array.isArray(values["data"]) ? values["data"] : [];
  await checkData(data);
  const dropout = positive(values, "text-dropout", true);
  if (dropout !== undefined && dropout > 1)
    throw new UsageError(`--text-dropout takes a probability from 0 to 1, got "${text(values, "text-dropout")}"`);
  const size = int(values, "size", 16);
  if (size !== undefined && size % 16 !== 0)
    throw new UsageError(`--size takes a multiple of 16, got ${size} (try ${Math.round(size / 16) * 16})`);
  const out = text(values, "out");
  const resume = text(values, "resume");
  if (out === undefined && resume === undefined)
    throw new UsageError("--out is required (the folder for checkpoints, the log and the adapter), or --resume DIR");
  if (data.length === 0 && resume === undefined)
    throw new UsageError("--data is required: a folder with metadata.jsonl, a parquet shard or a folder of shards");
  if (text(values, "steps") === undefined && resume === undefined)
    throw new UsageError("--steps is required: the number of optimizer steps to train");
  return {
    data: data.length > 0 ? data.map((p) => resolve(p)) : undefined,
    model: text(values, "model"),
    quant: choice(values, "quant", TRAIN_QUANTS),
    size,
    adapter: choice(values, "adapter", ADAPTER_KINDS),
    rank: int(values, "rank", 1),
    alpha: positive(values, "alpha"),
    experts: int(values, "experts", 1),
    topK: int(values, "top-k", 1),
    targets: choice(values, "targets", LORA_TARGET_SETS),
    initAdapter: text(values, "init-adapter"),
    optimizer: choice(values, "optimizer", TRAIN_OPTIMIZERS),
    lr: positive(values, "lr"),
    weightDecay: positive(values, "weight-decay", true),
    clip: positive(values, "clip"),
    batch: int(values, "batch", 1),
    gradAccum: int(values, "grad-accum", 1),
    steps: int(values, "steps", 1),
    lrDecaySteps: int(values, "lr-decay-steps", 0),
    textDropout: dropout,
    logitMean: real(values, "logit-mean"),
    logitStd: positive(values, "logit-std"),
    seed: int(values, "seed", 0),
    out: out === undefined ? undefined : resolve(out),
    saveEvery: int(values, "save-every", 1),
    keepCheckpoints: int(values, "keep-checkpoints", 1),
    adapterDtype: choice(values, "adapter-dtype", ADAPTER_DTYPES),
    sampleEvery: int(values, "sample-every", 1),
    sampleInstruction: text(values, "sample-instruction"),
    resume: resume === undefined ? undefined : resolve(resume),
    checkpointing: values["no-checkpointing"] === true ? false : undefined,
  };
}

/** A library option name (camelCase) as its flag: topK -> --top-k. */
export function flagOf(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
