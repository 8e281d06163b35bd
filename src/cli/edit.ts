/** `icedit edit --image in.png --instruction "..."`: one in-context edit (plain or with noise selection), written atomically. */
import { basename, extname, resolve } from "node:path";
import { writeFileAtomic } from "../image/atomic-write.js";
import { outputFormatFromPath, readImage, writeImage } from "../image/index.js";
import {
  CancelledError,
  checkEditInputs,
  CONVENTION_NAMES,
  createJudge,
  DEFAULT_MODEL,
  DEFAULT_REFERENCE_PLACEMENT,
  EDIT_DEFAULTS,
  IceditSession,
  KONTEXT_DEFAULTS,
  JUDGE_FALLBACKS,
  previewSheet,
  REFERENCE_PLACEMENTS,
  type ConventionsName,
  type EditOptions,
  type EditProgress,
  type SelectionOptions,
} from "../index.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandOptions } from "./parse-command.js";
import { cacheOption, choiceOption, intOption, numberOption, trueCfgScaleOption } from "./options.js";
import { boundedIntOption, LIMIT_OPTIONS, LIMIT_OPTIONS_USAGE, limitOptions } from "./limit-options.js";
import { resolveEditLimits } from "../api/edit-limits.js";
import { checkOutputPaths } from "./output-paths.js";
import { Progress } from "./progress.js";
import { DEFAULT_CACHE_THRESHOLDS, MAX_TEXT_TOKENS } from "../api/step-cache-option.js";
import {
  JUDGE_OPTIONS,
  JUDGE_OPTIONS_USAGE,
  judgeConfig,
  MODEL_OPTIONS,
  MODEL_OPTIONS_USAGE,
  sessionOptions,
  type JudgeValues,
} from "./model-options.js";

export const EDIT_USAGE = `usage: icedit edit --image IN --instruction TEXT [options]

Edits IN as the instruction says and writes the result: with ICEdit on FLUX.1 Fill [dev] (the
default model), or with FLUX.1 Kontext [dev] when --model is a Kontext model (its defaults:
${KONTEXT_DEFAULTS.steps} steps, guidance ${KONTEXT_DEFAULTS.guidance}, the output at the size Kontext resizes the image to).

  --image PATH         the image to edit (PNG, JPEG, WebP, ...)                 (required)
                       Kontext: repeat it for more reference images (--image a.png
                       --image b.png); each gets its own tokens, the first is edited
  --reference-placement P
                       Kontext, several images: offset (all at RoPE index 1, tiled as
                       one mosaic, as ComfyUI; what Kontext [dev] follows) or index
                       (image k at index k)                       default: ${DEFAULT_REFERENCE_PLACEMENT}
  --instruction TEXT   what to change, e.g. "make her hair dark green"          (required)
  -o, --output PATH    where to write the edited image; format from the extension
                       (.png, .jpg, .webp)                        default: ./<name>-edited.png
  --seed N             noise seed (same seed, same result)        default: ${EDIT_DEFAULTS.seed}
  --steps N            denoising steps                            default: ${EDIT_DEFAULTS.steps}
  --guidance G         distilled guidance                         default: ${EDIT_DEFAULTS.guidance}
  --true-cfg-scale S   ICEdit only: true classifier-free guidance (diffusers'
                       true_cfg_scale): above 1, each step also runs on the negative
                       prompt and follows v_neg + S (v - v_neg); twice the time
                                        default: ${EDIT_DEFAULTS.trueCfgScale} (off), or the model's own
  --negative-prompt TEXT
                       ICEdit only: true CFG's negative prompt
                                        default: "${EDIT_DEFAULTS.negativePrompt}" (what ICEdit's training drops the text to)
  --width W            width of the edited image, a multiple of 16; the height keeps
                       the aspect, rounded to a multiple of 16    default: ${EDIT_DEFAULTS.width}
                       (Kontext: the resized image's width)
  --height H           Kontext only: height of the edited image, a multiple of 16
  --keep-size          Kontext only: edit the image at its own size (sides cut to multiples
                       of 16), not at Kontext's preferred ~1 MP size of its aspect ratio
  --conventions C      ICEdit only: diffusers (as ICEdit's reference) or bfl
                                                                  default: ${EDIT_DEFAULTS.conventions}
  --cache C            step caching: none, fbcache[:T] (First-Block Cache) or
                       teacache[:T] (TeaCache): a step whose transformer input barely
                       changed reuses the blocks' last residual (faster, a little
                       different; the record lists the skipped steps); T defaults to
                       ${DEFAULT_CACHE_THRESHOLDS.fbcache} and ${DEFAULT_CACHE_THRESHOLDS.teacache}                               default: none
  --max-text-tokens N  the T5 sequence length, 1 to ${MAX_TEXT_TOKENS}; 128 or 256 run faster for
                       a short instruction   default: ${MAX_TEXT_TOKENS}, or the model's shorter one
${MODEL_OPTIONS_USAGE}
${LIMIT_OPTIONS_USAGE}

Noise selection (VLM-guided early filter: several seeds run a few steps, a vision-language
judge picks the best early preview, only the winner runs to the end):
${JUDGE_OPTIONS_USAGE}
  --judge-fallback F   "first-seed": if the judge is unreachable, edit with the first seed
                                                                  default: ${EDIT_DEFAULTS.judgeFallback}
  --candidates M       seeds to try (seed, seed+1, ...)           default: ${EDIT_DEFAULTS.candidates}
  --early-steps m      steps before judging (at most steps - 1)   default: ${EDIT_DEFAULTS.earlySteps}
  --contact-sheet PNG  also write the candidates' previews in a grid, winner framed
  --json PATH          also write the record (parameters, model, timings, memory) as JSON
  -q, --quiet          print only the output path and errors
  -h, --help           this help

Ctrl-C stops after the current step and writes nothing.`;

interface SelectionChoice {
  readonly options: SelectionOptions;
  readonly sheet: string | null;
}

type Values = JudgeValues & Record<string, string | boolean | string[] | undefined>;

function text(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === "string" ? value : undefined;
}

/** A whole-number option, or undefined when it is not given (the library's defaults apply). */
function givenInt(values: Values, key: string, min: number): number | undefined {
  const value = text(values, key);
  return value === undefined ? undefined : intOption(key, value, min, min);
}

/** A whole-number option up to a limit (raised by `--raisedBy`), or undefined when it is not given. */
function givenBoundedInt(values: Values, key: string, min: number, max: number, raisedBy: string): number | undefined {
  const value = text(values, key);
  return value === undefined ? undefined : boundedIntOption(key, value, min, min, max, raisedBy);
}

/** The noise-selection options, or null when no --judge was given. */
function selectionOptions(values: Values, maxCandidates: number): SelectionChoice | null {
  const config = judgeConfig(values);
  if (!config) {
    for (const key of ["candidates", "early-steps", "judge-fallback", "contact-sheet"]) {
      if (text(values, key) !== undefined)
        throw new UsageError(`--${key} is part of noise selection: add --judge openai|ollama (and --judge-model)`);
    }
    return null;
  }
  const fallbackText = text(values, "judge-fallback");
  const fallback =
    fallbackText === undefined ? undefined : choiceOption("judge-fallback", fallbackText, EDIT_DEFAULTS.judgeFallback, JUDGE_FALLBACKS);
  const judge = createJudge(config);
  const sheet = text(values, "contact-sheet");
  if (sheet) outputFormatFromPath(sheet);
  return {
    options: {
      judge,
      fallback,
      candidates: givenBoundedInt(values, "candidates", 1, maxCandidates, "max-candidates"),
      earlySteps: givenInt(values, "early-steps", 1),
    },
    sheet: sheet ? resolve(sheet) : null,
  };
}

/** Shows an edit's progress events: a step bar for denoising stages, a line when another stage begins, the judge's verdicts. */
function showProgress(progress: Progress): (p: EditProgress) => void {
  return (p) => {
    if (p.denoising) {
      if (p.first) progress.startSteps(p.from);
      if (p.step > p.from) progress.step(p.step, p.steps);
    } else if (p.comparison) {
      const c = p.comparison;
      const verdict = c.choice === null ? "tie (kept seed " + c.a + ")" : `seed ${c.choice === 1 ? c.a : c.b}`;
      progress.note(`judge: seed ${c.a} vs seed ${c.b} -> ${verdict}`);
    } else if (p.winner !== undefined) progress.note(`winner: seed ${p.winner}`);
    else if (p.first) progress.stage(p.stage === "decode" ? "decoding" : p.stage);
  };
}

/** --max-text-tokens: 1 to 512. */
function maxTextTokensOption(values: Values): number | undefined {
  const value = text(values, "max-text-tokens");
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 1 || n > MAX_TEXT_TOKENS)
    throw new UsageError(`--max-text-tokens takes a whole number from 1 to ${MAX_TEXT_TOKENS}, got "${value}"`);
  return n;
}

function defaultOutput(image: string): string {
  return resolve(`${basename(image, extname(image))}-edited.png`);
}

export async function editCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const values = parseCommandOptions(
    args,
    {
      ...MODEL_OPTIONS,
      ...JUDGE_OPTIONS,
      ...LIMIT_OPTIONS,
      image: { type: "string", multiple: true },
      "reference-placement": { type: "string" },
      instruction: { type: "string" },
      output: { type: "string", short: "o" },
      seed: { type: "string" },
      steps: { type: "string" },
      guidance: { type: "string" },
      "true-cfg-scale": { type: "string" },
      "negative-prompt": { type: "string" },
      width: { type: "string" },
      height: { type: "string" },
      "keep-size": { type: "boolean" },
      conventions: { type: "string" },
      cache: { type: "string" },
      "max-text-tokens": { type: "string" },
      json: { type: "string" },
      "judge-fallback": { type: "string" },
      candidates: { type: "string" },
      "early-steps": { type: "string" },
      "contact-sheet": { type: "string" },
      quiet: { type: "boolean", short: "q" },
    },
    EDIT_USAGE,
    io,
  );
  if (!values) return 0;
  const images = values.image ?? [];
  const imagePath = images[0];
  if (imagePath === undefined) throw new UsageError(`--image is required\n${EDIT_USAGE}`);
  const placementText = text(values, "reference-placement");
  const referencePlacement =
    placementText === undefined
      ? undefined
      : choiceOption("reference-placement", placementText, DEFAULT_REFERENCE_PLACEMENT, REFERENCE_PLACEMENTS);
  if (values.instruction === undefined) throw new UsageError(`--instruction is required\n${EDIT_USAGE}`);
  const progress = new Progress(io, values.quiet === true);
  const limits = limitOptions(values);
  const width = givenBoundedInt(values, "width", 16, limits.maxWidth, "max-width");
  const height = givenBoundedInt(values, "height", 16, limits.maxWidth, "max-width");
  for (const [name, side] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (side !== undefined && side % 16 !== 0)
      throw new UsageError(`--${name} must be a multiple of 16, got ${side} (try ${Math.round(side / 16) * 16})`);
  }
  const conventions: ConventionsName | undefined =
    values.conventions === undefined
      ? undefined
      : choiceOption("conventions", values.conventions, EDIT_DEFAULTS.conventions, CONVENTION_NAMES);
  const open = sessionOptions(
    values,
    (component) => progress.stage(`loading ${component}`),
    (line) => progress.note(line),
  );
  const selection = selectionOptions(values, limits.maxCandidates);
  const output = values.output ? resolve(values.output) : defaultOutput(imagePath);
  outputFormatFromPath(output);
  await checkOutputPaths({
    files: [
      { option: "-o", path: output },
      { option: "--json", path: values.json },
      { option: "--contact-sheet", path: selection?.sheet ?? undefined },
    ],
    dirs: [{ option: "--cache-dir", path: open.convertedCacheDir ?? undefined }],
    inputs: images.map((path) => ({ option: "--image", path })),
  });
  const controller = new AbortController();
  const options: EditOptions = {
    seed: givenInt(values, "seed", 0),
    steps: givenBoundedInt(values, "steps", 1, limits.maxSteps, "max-steps"),
    guidance: values.guidance === undefined ? undefined : numberOption("guidance", values.guidance, 0),
    trueCfgScale: trueCfgScaleOption(text(values, "true-cfg-scale")),
    negativePrompt: text(values, "negative-prompt"),
    width,
    height,
    keepSize: values["keep-size"] === true ? true : undefined,
    references: images.length > 1 ? images.slice(1) : undefined,
    referencePlacement,
    conventions,
    cache: cacheOption(text(values, "cache")),
    maxTextTokens: maxTextTokensOption(values),
    selection: selection?.options,
    signal: controller.signal,
    onWarning: (message) => progress.note(`warning: ${message}`, true),
    onProgress: showProgress(progress),
  };
  const editLimits = { ...open.limits, ...limits };
  // The library checks the request before any model is loaded (what depends on the method, once the model says it).
  checkEditInputs(imagePath, values.instruction, options, resolveEditLimits(editLimits));
  const steps = options.steps ?? EDIT_DEFAULTS.steps;

  // Read the image before loading any model: a bad path fails in milliseconds.
  const source = await readImage(imagePath, { maxPixels: limits.maxPixels });
  const references = [];
  for (const path of images.slice(1)) references.push(await readImage(path, { maxPixels: limits.maxPixels }));
  const removeHandler = io.onInterrupt(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    progress.note("stopping after the current step (nothing will be written)...", true);
  });
  let session: IceditSession | null = null;
  try {
    progress.stage(`model: ${values.model ?? DEFAULT_MODEL}`);
    session = await IceditSession.open({
      ...open,
      limits: editLimits,
      onDownload: (p) => progress.download(p.file, p.bytes, p.total),
    });
    if (controller.signal.aborted) throw new CancelledError(0, steps);
    for (const a of session.model.adapters) {
      const kind = a.kind === "moe-lora" ? `LoRA-MoE, ${a.experts} experts, top-${a.topK}` : "LoRA";
      progress.stage(`adapter ${a.spec}: ${kind}, ${a.matchedModules} modules, scale ${a.scale}${a.merged ? " (merged)" : ""}`);
      for (const warning of a.warnings) progress.note(`warning: ${warning}`, true);
    }
    progress.stage(`editing with ${session.method === "kontext" ? "FLUX.1 Kontext" : "ICEdit"}: ${values.instruction.trim()}`);
    const { image, previews, record } = await session.edit(source, values.instruction, {
      ...options,
      ...(references.length === 0 ? {} : { references }),
    });
    if (controller.signal.aborted) throw new CancelledError(steps, steps);
    const t = record.tournament;
    await writeImage(output, image);
    if (selection?.sheet && t) await writeImage(selection.sheet, previewSheet(previews, t.winner));
    if (values.json) {
      await writeFileAtomic(
        resolve(values.json),
        new TextEncoder().encode(`${JSON.stringify({ ...record, outputPath: output }, null, 2)}\n`),
      );
    }
    progress.finish();
    const summary = t
      ? `winner seed ${t.winner} of ${t.candidates.length}, ${t.nfe} transformer evaluations`
      : `seed ${record.seed}, ${record.steps} steps`;
    progress.note(`done in ${(record.timings.totalMs / 1000).toFixed(1)} s (${summary})`);
    io.out(output);
    return 0;
  } catch (error) {
    progress.finish();
    if (error instanceof CancelledError) {
      io.err(`icedit edit: ${error.message}; nothing was written`);
      return 130;
    }
    throw error;
  } finally {
    removeHandler();
    await session?.close();
  }
}
