/** `icedit eval-demo`'s flags: the table, the help text, and their values as the evaluation's settings and runs. */
import type { ModelEditDefaults } from "../api/model-settings.js";
import { EDIT_DEFAULTS } from "../api/edit-defaults.js";
import { methodEditDefaults } from "../api/method-defaults.js";
import { DEFAULT_EDIT_LIMITS } from "../api/edit-limits.js";
import type { SelectionOptions } from "../api/edit-options.js";
import { configAdapters, EVAL_CONFIGS, parseEvalConfigs } from "../demo/eval/eval-configs.js";
import type { EvalDemoRun } from "../demo/eval/eval-demo.js";
import type { EvalDemoSettings } from "../demo/eval/eval-report.js";
import { HELD_OUT_COUNT, HELD_OUT_FIRST_SEED } from "../demo/eval/held-out.js";
import { SCENES_FILE } from "../demo/eval/scenes-folder.js";
import { RULE_JUDGE_NAME } from "../demo/eval/rule-judge.js";
import { DEFAULT_CANVAS } from "../demo/scenes/render.js";
import { createJudge, type JudgeConfig } from "../vlm/create.js";
import { UsageError } from "./io.js";
import { JUDGE_OPTIONS, JUDGE_OPTIONS_USAGE, judgeConfig, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, type ModelValues } from "./model-options.js";
import { trueCfgScaleOption, cacheOption, intOption, numberOption } from "./options.js";

export const EVAL_DEMO_USAGE = `usage: icedit eval-demo --model DIR [options]

Edits held-out scenes of the demo world (seeds never used in training) through the real edit
path and scores each edit by the pixel rule of issue 15: inside the edited region at least 80%
of pixels within 60 of the target, outside it (2 px from every shape edge) at least 95% within
40 of the source. Prints the accuracy per instruction kind and overall, and the timings.
With --scenes DIR, edits the triplets of a folder drawn by anyone instead, with the rule's
region and edges read from the source and target images.

  --model DIR          the demo model folder (icedit make-demo-model DIR)      (required)
  --count N            held-out edits, kinds balanced; with --scenes, the folder's first N
                                                   default: ${HELD_OUT_COUNT}; with --scenes, all
  --first-seed S       seed of the first edit (edit i: S + i)     default: ${HELD_OUT_FIRST_SEED}
  --size PX            side of the scenes, a multiple of 16       default: ${DEFAULT_CANVAS}
  --scenes DIR         edit a folder's triplets instead of held-out seeds (no --first-seed,
                       --size): DIR/${SCENES_FILE}, a JSON object a line, {"source": "scene-0.png",
                       "target": "target-0.png", "instruction": "...", "kind": "recolour"} (kind
                       optional; paths relative to DIR; square images, all of one size)
  --width W            width of each edit (a multiple of 16; the edited image is scored
                       at the scene's size)   default: the model's own (icedit.json), else the side
  --steps N            denoising steps                            default: ${EDIT_DEFAULTS.steps}
  --seed N             noise seed of every edit                   default: ${EDIT_DEFAULTS.seed}
  --guidance G         distilled guidance       default: the model's own (icedit.json), else ${EDIT_DEFAULTS.guidance}
  --true-cfg-scale S   true classifier-free guidance of every edit (1: off; see icedit edit)
                       default: the model's own (icedit.json), else ${EDIT_DEFAULTS.trueCfgScale}
  --cache C            step caching of every edit: none, fbcache[:T] or teacache[:T]   default: none
  --configs LIST       several rows in one call, a comma-separated list of
                       ${EVAL_CONFIGS.join(", ")}: the base alone with the IC prompt, the
                       folder's plain LoRA (icedit-lora/), its LoRA-MoE (icedit-moe-lora/), and the
                       LoRA-MoE with noise selection (--judge rule unless --judge is given),
                       and vae: no edit, the target through the VAE (the ceiling it allows)
  --select N           noise selection with N candidates (with --judge; with --configs:
                       the candidates of moe+select)              default: ${EDIT_DEFAULTS.candidates}
  --early-steps m      steps before judging                       default: ${EDIT_DEFAULTS.earlySteps}
  --json               print the result as JSON (the table, every edit's score, timings)
  --out DIR            also write DIR/examples/<i>-source.png, -target.png, DIR/<config>/<i>-edited.png,
                       DIR/report.json and DIR/report.md
  -q, --quiet          print only the table (or the JSON) and errors
  -h, --help           this help

Model (--lora none: the base alone; without --configs and --lora: the folder's own adapter):
${MODEL_OPTIONS_USAGE}

Noise selection's judge:
${JUDGE_OPTIONS_USAGE}`;

export const EVAL_DEMO_FLAGS = {
  ...MODEL_OPTIONS,
  ...JUDGE_OPTIONS,
  count: { type: "string" },
  scenes: { type: "string" },
  "first-seed": { type: "string" },
  size: { type: "string" },
  width: { type: "string" },
  steps: { type: "string" },
  seed: { type: "string" },
  guidance: { type: "string" },
  "true-cfg-scale": { type: "string" },
  cache: { type: "string" },
  configs: { type: "string" },
  select: { type: "string" },
  "early-steps": { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  quiet: { type: "boolean", short: "q" },
} as const;

export type EvalDemoValues = ModelValues & {
  readonly json?: boolean;
  readonly out?: string;
  readonly quiet?: boolean;
  readonly judge?: string;
  readonly "judge-model"?: string;
  readonly "judge-url"?: string;
  readonly "judge-timeout"?: string;
  readonly count?: string;
  readonly scenes?: string;
  readonly "first-seed"?: string;
  readonly size?: string;
  readonly width?: string;
  readonly steps?: string;
  readonly seed?: string;
  readonly guidance?: string;
  readonly "true-cfg-scale"?: string;
  readonly cache?: string;
  readonly configs?: string;
  readonly select?: string;
  readonly "early-steps"?: string;
};

/** The most a scene's side may be (the edit's width limit). */
const MAX_SIZE = 1024;

/** The report's settings (src/demo/eval/eval-report.ts), the guidance and the runs. */
export interface EvalDemoFlags extends EvalDemoSettings {
  readonly guidance: number;
  /** Step caching of every edit (absent: none). */
  readonly cache?: string;
  readonly runs: readonly EvalDemoRun[];
}

/** A scenes folder read for --scenes (scenes-folder.ts): where, the side of its scenes, how many edits it lists. */
export interface ScenesSummary {
  readonly dir: string;
  readonly size: number;
  readonly count: number;
}

/**
 * The evaluation's settings and runs from the flags; every bad value names its flag. With --scenes,
 * `scenes` is the folder already read: --count takes its first N edits, and --first-seed and --size
 * (which draw held-out scenes) are refused.
 */
export function evalDemoFlags(values: EvalDemoValues, modelDefaults: ModelEditDefaults = {}, scenes?: ScenesSummary): EvalDemoFlags {
  if (values.model === undefined)
    throw new UsageError("--model is required: the demo model folder (make one with icedit make-demo-model DIR)");
  const { count, firstSeed, size } = scenes === undefined ? heldOutFlags(values) : folderFlags(values, scenes);
  const width = intOption("width", values.width, modelDefaults.width ?? size, 16);
  if (width % 16 !== 0 || width > DEFAULT_EDIT_LIMITS.maxWidth)
    throw new UsageError(
      `--width takes a multiple of 16 from 16 to ${DEFAULT_EDIT_LIMITS.maxWidth}, got ${width} (try ${Math.min(DEFAULT_EDIT_LIMITS.maxWidth, Math.round(width / 16) * 16)})`,
    );
  const steps = intOption("steps", values.steps, EDIT_DEFAULTS.steps, 1);
  if (steps > DEFAULT_EDIT_LIMITS.maxSteps) throw new UsageError(`--steps takes at most ${DEFAULT_EDIT_LIMITS.maxSteps}, got ${steps}`);
  const seed = intOption("seed", values.seed, EDIT_DEFAULTS.seed, 0);
  // The demo is an ICEdit model: its folder's defaults, else ICEdit's, from the one table.
  const defaults = methodEditDefaults("icedit", modelDefaults);
  const guidance = numberOption("guidance", values.guidance, defaults.guidance);
  const trueCfgScale = trueCfgScaleOption(values["true-cfg-scale"]) ?? defaults.trueCfgScale ?? EDIT_DEFAULTS.trueCfgScale;
  const cache = cacheOption(values.cache);
  const runs = evalRuns(values, values.model);
  const scenesDir = scenes?.dir ?? null;
  return { model: values.model, count, firstSeed, scenes: scenesDir, size, width, steps, seed, trueCfgScale, guidance, cache, runs };
}

function heldOutFlags(values: EvalDemoValues): { count: number; firstSeed: number; size: number } {
  const count = intOption("count", values.count, HELD_OUT_COUNT, 1);
  const firstSeed = intOption("first-seed", values["first-seed"], HELD_OUT_FIRST_SEED, 0);
  if (firstSeed + count > 2 ** 32) throw new UsageError(`--first-seed ${firstSeed} with --count ${count} passes seed 2^32 - 1`);
  const size = intOption("size", values.size, DEFAULT_CANVAS, 16);
  if (size % 16 !== 0 || size > MAX_SIZE)
    throw new UsageError(
      `--size takes a multiple of 16 from 16 to ${MAX_SIZE}, got ${size} (try ${Math.min(MAX_SIZE, Math.round(size / 16) * 16)})`,
    );
  return { count, firstSeed, size };
}

function folderFlags(values: EvalDemoValues, scenes: ScenesSummary): { count: number; firstSeed: null; size: number } {
  for (const flag of ["first-seed", "size"] as const)
    if (values[flag] !== undefined)
      throw new UsageError(`--${flag} draws held-out scenes; with --scenes the folder's scenes are edited: leave out --${flag}`);
  const count = intOption("count", values.count, scenes.count, 1);
  if (count > scenes.count) throw new UsageError(`--count ${count} asks for more edits than ${scenes.dir} lists (${scenes.count})`);
  return { count, firstSeed: null, size: scenes.size };
}

/** The rows: the --configs, or one run of the --lora adapters (with selection when --select is given). */
function evalRuns(values: EvalDemoValues, model: string): EvalDemoRun[] {
  const candidates = values.select === undefined ? undefined : intOption("select", values.select, EDIT_DEFAULTS.candidates, 2);
  if (candidates !== undefined && candidates > DEFAULT_EDIT_LIMITS.maxCandidates)
    throw new UsageError(`--select takes at most ${DEFAULT_EDIT_LIMITS.maxCandidates} candidates, got ${candidates}`);
  const earlySteps = values["early-steps"] === undefined ? undefined : intOption("early-steps", values["early-steps"], 1, 1);
  if (values.configs === undefined) {
    const judge = judgeConfig(values);
    if (judge !== undefined && candidates === undefined)
      throw new UsageError("--judge is for noise selection: add --select N (the candidates)");
    if (judge === undefined && candidates !== undefined)
      throw new UsageError("--select needs a judge: add --judge rule (the demo world's rule judge)");
    if (earlySteps !== undefined && candidates === undefined)
      throw new UsageError("--early-steps is part of noise selection: add --select N --judge rule");
    const selection = judge === undefined ? undefined : selectionOf(judge, candidates, earlySteps);
    return [{ name: "edits", label: singleLabel(values.lora, selection), loras: lorasOf(values.lora), selection }];
  }
  if (values.lora !== undefined) throw new UsageError("--configs chooses each row's adapter from the model folder: leave out --lora");
  const configs = parseEvalConfigs(values.configs);
  const selecting = configs.some((c) => c.select);
  const judge = judgeConfig(values) ?? { kind: "rule", model: RULE_JUDGE_NAME };
  if (!selecting && (values.judge !== undefined || candidates !== undefined || earlySteps !== undefined))
    throw new UsageError("--judge, --select and --early-steps set the moe+select row: add moe+select to --configs");
  return configs.map((config) => ({
    name: config.name,
    label: config.label,
    loras: configAdapters(config, model),
    selection: config.select ? selectionOf(judge, candidates, earlySteps) : undefined,
    ceiling: config.ceiling,
  }));
}

function selectionOf(judge: JudgeConfig, candidates: number | undefined, earlySteps: number | undefined): SelectionOptions {
  return { judge: createJudge(judge), candidates: candidates ?? EDIT_DEFAULTS.candidates, earlySteps };
}

function lorasOf(lora: readonly string[] | undefined): readonly string[] | "auto" {
  if (lora === undefined) return "auto";
  return lora.some((l) => l === "none") ? [] : lora;
}

function singleLabel(lora: readonly string[] | undefined, selection: SelectionOptions | undefined): string {
  const adapters =
    lora === undefined
      ? "the model folder's adapter"
      : lora.some((l) => l === "none")
        ? "FLUX Fill base, IC prompt (no adapter)"
        : lora.join(" + ");
  if (!selection) return adapters;
  return `${adapters} + noise selection (${selection.candidates} candidates, ${selection.judge.identity?.kind ?? "custom"} judge)`;
}
