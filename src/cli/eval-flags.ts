/** `icedit eval`'s flags: the table, the help text, and their values as the run's settings. */
import { resolve } from "node:path";
import { EDIT_DEFAULTS, KONTEXT_DEFAULTS } from "../api/edit-defaults.js";
import { DEFAULT_EDIT_LIMITS } from "../api/edit-limits.js";
import type { EditOptions, SelectionOptions } from "../api/edit-options.js";
import { DINO_MODEL, EMU_EDIT_CLIP_MODEL, MAGICBRUSH_CLIP_MODEL } from "../api/metric-models.js";
import { HELD_OUT_COUNT, HELD_OUT_FIRST_SEED } from "../demo/eval/held-out.js";
import { createJudge, type JudgeConfig } from "../vlm/create.js";
import { UsageError } from "./io.js";
import { JUDGE_OPTIONS, JUDGE_OPTIONS_USAGE, judgeConfig, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, type ModelValues } from "./model-options.js";
import { cacheOption, choiceOption, intOption, numberOption } from "./options.js";

export const EVAL_USAGE = `usage: icedit eval --bench magicbrush|emu-edit|demo|FOLDER [--data PATH] [options]

Edits every sample of a benchmark (or scores edits made elsewhere, --predictions), scores each
edit as the ICEdit paper does (CLIP-I, CLIP-Out, DINO, L1; CLIP and DINO run here as ONNX
graphs) and writes, into --out, each edit and its scores as they come: a rerun of the same
command skips what is done (Ctrl-C, a crash or a reboot lose at most the current sample).
At the end: report.json (every sample's scores), report.md (the paper's table, our rows beside
its rows, one row per task type) and sheets/<metric>.png (the best and worst samples).

  --bench B            magicbrush: the MagicBrush test split (its authors' test folder with
                       edit_sessions.json and images/, or parquet in osunlp/MagicBrush's layout; turns
                       of a session chain, final-turn and all-turn rows; CLIP ${MAGICBRUSH_CLIP_MODEL})
                       emu-edit: the Emu Edit test set (facebook/emu_edit_test_set parquet; CLIP-I
                       and DINO against the input image; rows with equal captions dropped, as
                       ICEdit did; CLIP ${EMU_EDIT_CLIP_MODEL})
                       demo: the demo world's held-out edits, scored also by its pixel rule
                       FOLDER: a folder with metadata.jsonl ({"source", "instruction", "target",
                       "output_caption", "task", "id"} per line)                     (required)
  --data PATH          the parquet file, or the folder of the data set's parquet files
                       (magicbrush, emu-edit), or MagicBrush's test folder (edit_sessions.json)
  --split NAME         in a --data folder, the files named NAME-*.parquet   default: test
  --out DIR            where the edits, scores and report go   default: ./icedit-eval-<bench>
  --limit N            only the first N samples (demo: N held-out edits, default ${HELD_OUT_COUNT})
  --first-seed S       demo: seed of the first held-out edit           default: ${HELD_OUT_FIRST_SEED}
  --predictions DIR    score images made elsewhere: DIR/<id>.png (or .jpg, .webp) per sample;
                       no model is opened
  --turns T            magicbrush: chain (each turn edits the previous turn's edit, as
                       MagicBrush's multi-turn protocol) or independent (each turn edits its
                       own source image)                          default: chain
  --clip-model ID|DIR  the CLIPModel of CLIP-I and CLIP-Out       default: per benchmark (above);
                       demo: tiny random metric models written into --out
  --dino-model ID|DIR  the ViTModel of DINO                       default: ${DINO_MODEL}
  --sheet-count K      best and worst samples per contact sheet   default: 4
  --vlm-judge KIND     also ask a vision-language model (openai or ollama) to score each edit,
                       VIEScore-style: SC (instruction followed, rest kept) and PQ (natural, no
                       artifacts), 0-10 each, O = sqrt(min SC x min PQ): a "VLM O" column
  --vlm-judge-model N  its model (e.g. gpt-4o, qwen2.5vl:72b); key from ICEDIT_JUDGE_API_KEY
  --vlm-judge-url URL  its API         default: https://api.openai.com/v1 or http://127.0.0.1:11434
  --json               print the report as JSON instead of the table
  -q, --quiet          print only the table (or the JSON) and errors
  -h, --help           this help

Edits (as icedit edit; absent: the model folder's own settings, else icedit edit's defaults; a
FLUX.1 Kontext model edits with Kontext, at guidance ${KONTEXT_DEFAULTS.guidance} and the size it resizes each image to):
  --steps N            denoising steps                            default: ${EDIT_DEFAULTS.steps}
  --seed N             noise seed of every edit                   default: ${EDIT_DEFAULTS.seed}
  --guidance G         distilled guidance                         default: ${EDIT_DEFAULTS.guidance}
  --width W            edit width, a multiple of 16               default: ${EDIT_DEFAULTS.width}
  --cache C            step caching: none, fbcache[:T] or teacache[:T]   default: none
  --candidates M       noise selection with M seeds (needs --judge)
  --early-steps m      noise selection: steps before judging      default: ${EDIT_DEFAULTS.earlySteps}
${MODEL_OPTIONS_USAGE}

Noise selection's judge (the paper's GPT column itself, GPT-4o's judgement, is not computed):
${JUDGE_OPTIONS_USAGE}`;

export const EVAL_FLAGS = {
  ...MODEL_OPTIONS,
  ...JUDGE_OPTIONS,
  bench: { type: "string" },
  data: { type: "string" },
  split: { type: "string" },
  out: { type: "string" },
  limit: { type: "string" },
  "first-seed": { type: "string" },
  predictions: { type: "string" },
  turns: { type: "string" },
  "clip-model": { type: "string" },
  "dino-model": { type: "string" },
  "sheet-count": { type: "string" },
  "vlm-judge": { type: "string" },
  "vlm-judge-model": { type: "string" },
  "vlm-judge-url": { type: "string" },
  steps: { type: "string" },
  seed: { type: "string" },
  guidance: { type: "string" },
  width: { type: "string" },
  cache: { type: "string" },
  candidates: { type: "string" },
  "early-steps": { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

export type EvalValues = ModelValues & {
  readonly [K in Exclude<keyof typeof EVAL_FLAGS, keyof ModelValues | "json" | "quiet" | "lora">]?: string;
} & { readonly json?: boolean; readonly quiet?: boolean };

export interface EvalFlags {
  readonly bench: string;
  readonly data?: string;
  readonly split: string;
  readonly out: string;
  readonly limit?: number;
  readonly firstSeed: number;
  readonly predictions?: string;
  readonly chain: boolean;
  /** Given metric models (absent: the benchmark's defaults). */
  readonly clipModel?: string;
  readonly dinoModel?: string;
  readonly sheetCount: number;
  /** The VLM that scores each edit (--vlm-judge), or undefined. */
  readonly vlmJudge?: JudgeConfig;
  /** Every edit's options (selection included); absent with --predictions. */
  readonly edit?: Omit<EditOptions, "signal" | "onProgress">;
}

/** The model options that make no sense with --predictions (no model is opened). */
const EDIT_ONLY = [
  ...Object.keys(MODEL_OPTIONS),
  ...Object.keys(JUDGE_OPTIONS),
  "steps",
  "seed",
  "guidance",
  "width",
  "cache",
  "candidates",
  "early-steps",
];

function selection(values: EvalValues): SelectionOptions | undefined {
  const judge = judgeConfig(values);
  if (!judge) {
    for (const key of ["candidates", "early-steps"] as const)
      if (values[key] !== undefined) throw new UsageError(`--${key} is part of noise selection: add --judge openai|ollama|rule`);
    return undefined;
  }
  const candidates = intOption("candidates", values.candidates, EDIT_DEFAULTS.candidates, 2);
  if (candidates > DEFAULT_EDIT_LIMITS.maxCandidates)
    throw new UsageError(`--candidates takes at most ${DEFAULT_EDIT_LIMITS.maxCandidates}, got ${candidates}`);
  const earlySteps = values["early-steps"] === undefined ? undefined : intOption("early-steps", values["early-steps"], 1, 1);
  return { judge: createJudge(judge), candidates, earlySteps };
}

function editOptions(values: EvalValues): Omit<EditOptions, "signal" | "onProgress"> {
  const width = values.width === undefined ? undefined : intOption("width", values.width, 0, 16);
  if (width !== undefined && (width % 16 !== 0 || width > DEFAULT_EDIT_LIMITS.maxWidth))
    throw new UsageError(`--width takes a multiple of 16 from 16 to ${DEFAULT_EDIT_LIMITS.maxWidth}, got ${width}`);
  const steps = values.steps === undefined ? undefined : intOption("steps", values.steps, 0, 1);
  if (steps !== undefined && steps > DEFAULT_EDIT_LIMITS.maxSteps)
    throw new UsageError(`--steps takes at most ${DEFAULT_EDIT_LIMITS.maxSteps}, got ${steps}`);
  return {
    steps,
    width,
    seed: values.seed === undefined ? undefined : intOption("seed", values.seed, 0, 0),
    guidance: values.guidance === undefined ? undefined : numberOption("guidance", values.guidance, 0),
    cache: cacheOption(values.cache),
    selection: selection(values),
  };
}

/** --vlm-judge's settings (an HTTP judge: the rule judge cannot score), or undefined. */
function vlmJudge(values: EvalValues): JudgeConfig | undefined {
  const kind = values["vlm-judge"];
  if (kind === undefined) {
    for (const key of ["vlm-judge-model", "vlm-judge-url"] as const)
      if (values[key] !== undefined) throw new UsageError(`--${key} is part of the VLM score: add --vlm-judge openai|ollama`);
    return undefined;
  }
  const choice = choiceOption("vlm-judge", kind, "openai", ["openai", "ollama"] as const);
  const model = values["vlm-judge-model"];
  if (!model) throw new UsageError(`--vlm-judge ${choice} needs --vlm-judge-model NAME`);
  return { kind: choice, model, url: values["vlm-judge-url"], maxTokens: 400 };
}

export function evalFlags(values: EvalValues): EvalFlags {
  const bench = values.bench;
  if (bench === undefined)
    throw new UsageError(`--bench is required: magicbrush, emu-edit, demo or a folder with metadata.jsonl\n(icedit eval --help)`);
  const turns = choiceOption("turns", values.turns, "chain", ["chain", "independent"] as const);
  if (values.turns !== undefined && bench !== "magicbrush")
    throw new UsageError("--turns is for --bench magicbrush (its multi-turn sessions)");
  if (values["first-seed"] !== undefined && bench !== "demo") throw new UsageError("--first-seed is for --bench demo");
  if (values.predictions !== undefined) {
    const given = EDIT_ONLY.find((key) => (values as Record<string, unknown>)[key] !== undefined);
    if (given) throw new UsageError(`--${given} sets how edits are made, but --predictions scores edits made elsewhere: leave one out`);
  }
  const name = bench === "magicbrush" || bench === "emu-edit" || bench === "demo" ? bench : "folder";
  return {
    bench,
    data: values.data === undefined ? undefined : resolve(values.data),
    split: values.split ?? "test",
    out: resolve(values.out ?? `icedit-eval-${name}`),
    limit: values.limit === undefined ? undefined : intOption("limit", values.limit, 0, 1),
    firstSeed: intOption("first-seed", values["first-seed"], HELD_OUT_FIRST_SEED, 0),
    predictions: values.predictions === undefined ? undefined : resolve(values.predictions),
    chain: turns === "chain",
    clipModel: values["clip-model"],
    dinoModel: values["dino-model"],
    sheetCount: intOption("sheet-count", values["sheet-count"], 4, 1),
    vlmJudge: vlmJudge(values),
    edit: values.predictions === undefined ? editOptions(values) : undefined,
  };
}
