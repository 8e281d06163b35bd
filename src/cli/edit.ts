/** `icedit edit --image in.png --instruction "..."`: one in-context edit, written atomically. */
import { parseArgs } from "node:util";
import { basename, extname, resolve } from "node:path";
import { readImage, writeImage, outputFormatFromPath } from "../image/index.js";
import { writeFileAtomic } from "../image/atomic-write.js";
import { icPrompt } from "../pipelines/icedit/prompt.js";
import { EDIT_DEFAULTS } from "../pipelines/icedit/edit.js";
import { CONVENTIONS } from "../pipelines/fill/conventions.js";
import { CancelledError } from "../pipelines/fill/errors.js";
import { DEFAULT_MODEL, IceditSession } from "../api/session.js";
import { UsageError, type CommandIO } from "./io.js";
import { choiceOption, intOption, numberOption } from "./options.js";
import { boundedIntOption, LIMIT_OPTIONS, LIMIT_OPTIONS_USAGE, limitOptions } from "./limit-options.js";
import { checkOutputPaths } from "./output-paths.js";
import { Progress } from "./progress.js";
import type { Tensor } from "../tensor.js";
import { JUDGE_OPTIONS, JUDGE_OPTIONS_USAGE, judgeConfig, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, sessionOptions, type JudgeValues } from "./model-options.js";
import { createJudge } from "../vlm/index.js";
import { previewSheet, type SelectionEditOptions } from "../pipelines/noise-selection/index.js";

export const EDIT_USAGE = `usage: icedit edit --image IN --instruction TEXT [options]

Edits IN as the instruction says (ICEdit on FLUX.1 Fill) and writes the result.

  --image PATH         the image to edit (PNG, JPEG, WebP, ...)                 (required)
  --instruction TEXT   what to change, e.g. "make her hair dark green"          (required)
  -o, --output PATH    where to write the edited image; format from the extension
                       (.png, .jpg, .webp)                        default: ./<name>-edited.png
  --seed N             noise seed (same seed, same result)        default: ${EDIT_DEFAULTS.seed}
  --steps N            denoising steps                            default: ${EDIT_DEFAULTS.steps}
  --guidance G         distilled guidance                         default: ${EDIT_DEFAULTS.guidance}
  --width W            width of the edited image, a multiple of 16; the height keeps
                       the aspect, rounded to a multiple of 16    default: ${EDIT_DEFAULTS.width}
  --conventions C      diffusers (as ICEdit's reference) or bfl   default: diffusers
${MODEL_OPTIONS_USAGE}
${LIMIT_OPTIONS_USAGE}

Noise selection (VLM-guided early filter: several seeds run a few steps, a vision-language
judge picks the best early preview, only the winner runs to the end):
${JUDGE_OPTIONS_USAGE}
  --judge-fallback F   "first-seed": if the judge is unreachable, edit with the first seed
  --candidates M       seeds to try (seed, seed+1, ...)           default: 6
  --early-steps m      steps before judging (at most steps - 1)   default: 10
  --contact-sheet PNG  also write the candidates' previews in a grid, winner framed
  --json PATH          also write the record (parameters, model, timings, memory) as JSON
  -q, --quiet          print only the output path and errors
  -h, --help           this help

Ctrl-C stops after the current step and writes nothing.`;

interface SelectionChoice {
  readonly options: Omit<SelectionEditOptions, "seed" | "steps" | "guidance" | "width" | "conventions" | "signal" | "onProgress" | "onWarning">;
  readonly sheet: string | null;
}

/** The noise-selection options, or null when no --judge was given. */
function selectionOptions(values: JudgeValues & Record<string, string | boolean | string[] | undefined>, maxCandidates: number): SelectionChoice | null {
  const text = (key: string): string | undefined => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  const config = judgeConfig(values);
  if (!config) {
    for (const key of ["candidates", "early-steps", "judge-fallback", "contact-sheet"]) {
      if (text(key) !== undefined) throw new UsageError(`--${key} is part of noise selection: add --judge openai|ollama (and --judge-model)`);
    }
    return null;
  }
  const fallback = choiceOption("judge-fallback", text("judge-fallback"), "none", ["none", "first-seed"] as const);
  const judge = createJudge(config);
  const candidates = text("candidates") === undefined ? undefined : boundedIntOption("candidates", text("candidates"), 6, 1, maxCandidates, "max-candidates");
  const earlySteps = text("early-steps") === undefined ? undefined : intOption("early-steps", text("early-steps"), 10, 1);
  const sheet = text("contact-sheet");
  if (sheet) outputFormatFromPath(sheet);
  return { options: { judge, fallback, candidates, earlySteps }, sheet: sheet ? resolve(sheet) : null };
}

function defaultOutput(image: string): string {
  return resolve(`${basename(image, extname(image))}-edited.png`);
}

export async function editCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...MODEL_OPTIONS,
      ...JUDGE_OPTIONS,
      ...LIMIT_OPTIONS,
      image: { type: "string" },
      instruction: { type: "string" },
      output: { type: "string", short: "o" },
      seed: { type: "string" },
      steps: { type: "string" },
      guidance: { type: "string" },
      width: { type: "string" },
      conventions: { type: "string" },
      json: { type: "string" },
      "judge-fallback": { type: "string" },
      candidates: { type: "string" },
      "early-steps": { type: "string" },
      "contact-sheet": { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(EDIT_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (options start with --)\n${EDIT_USAGE}`);
  if (!values.image) throw new UsageError(`--image is required\n${EDIT_USAGE}`);
  if (values.instruction === undefined) throw new UsageError(`--instruction is required\n${EDIT_USAGE}`);
  const progress = new Progress(io, values.quiet === true);
  const seed = intOption("seed", values.seed, EDIT_DEFAULTS.seed, 0);
  const limits = limitOptions(values);
  const steps = boundedIntOption("steps", values.steps, EDIT_DEFAULTS.steps, 1, limits.maxSteps, "max-steps");
  const guidance = numberOption("guidance", values.guidance, EDIT_DEFAULTS.guidance);
  const width = boundedIntOption("width", values.width, EDIT_DEFAULTS.width, 16, limits.maxWidth, "max-width");
  if (width % 16 !== 0) throw new UsageError(`--width must be a multiple of 16, got ${width} (try ${Math.round(width / 16) * 16})`);
  const conventions = CONVENTIONS[choiceOption("conventions", values.conventions, "diffusers", ["diffusers", "bfl"] as const)];
  const open = sessionOptions(values, (component) => progress.stage(`loading ${component}`), (line) => progress.note(line));
  const selection = selectionOptions(values, limits.maxCandidates);
  const output = values.output ? resolve(values.output) : defaultOutput(values.image);
  outputFormatFromPath(output);
  icPrompt(values.instruction);
  await checkOutputPaths({
    files: [{ option: "-o", path: output }, { option: "--json", path: values.json }, { option: "--contact-sheet", path: selection?.sheet ?? undefined }],
    dirs: [{ option: "--cache-dir", path: open.convertedCacheDir ?? undefined }],
    inputs: [{ option: "--image", path: values.image }],
  });

  // Read the image before loading any model: a bad path fails in milliseconds.
  const source = await readImage(values.image, { maxPixels: limits.maxPixels });
  const controller = new AbortController();
  const removeHandler = io.onInterrupt(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    progress.note("stopping after the current step (nothing will be written)...", true);
  });
  let session: IceditSession | null = null;
  try {
    progress.stage(`model: ${values.model ?? DEFAULT_MODEL}`);
    session = await IceditSession.open({ ...open, limits: { ...open.limits, ...limits }, onDownload: (p) => progress.download(p.file, p.bytes, p.total) });
    if (controller.signal.aborted) throw new CancelledError(0, steps);
    for (const a of session.model.adapters) {
      const kind = a.kind === "moe-lora" ? `LoRA-MoE, ${a.experts} experts, top-${a.topK}` : "LoRA";
      progress.stage(`adapter ${a.spec}: ${kind}, ${a.matchedModules} modules, scale ${a.scale}${a.merged ? " (merged)" : ""}`);
      for (const warning of a.warnings) progress.note(`warning: ${warning}`, true);
    }
    progress.stage(`editing: ${values.instruction.trim()}`);
    let done: { image: Tensor<"u8">; record: { timings: { totalMs: number } }; summary: string; sheet?: { path: string; image: Tensor<"u8"> } };
    if (selection) {
      const r = await session.editWithSelection(source, values.instruction, {
        ...selection.options,
        seed,
        steps,
        guidance,
        width,
        conventions,
        signal: controller.signal,
        onWarning: (message) => progress.note(`warning: ${message}`, true),
        onProgress: (p) => {
          if (p.stage === "early" || p.stage === "continue") {
            if (p.step === 0 || (p.stage === "continue" && p.step === (selection.options.earlySteps ?? 0) + 1)) progress.startSteps();
            if (p.step > 0) progress.step(p.step, p.steps);
          } else if (p.stage === "compare" && p.comparison) {
            const c = p.comparison;
            const verdict = c.choice === null ? "tie (kept seed " + c.a + ")" : `seed ${c.choice === 1 ? c.a : c.b}`;
            progress.note(`judge: seed ${c.a} vs seed ${c.b} -> ${verdict}`);
          } else if (p.stage === "winner") progress.note(`winner: seed ${p.winner}`);
          else if (p.step === 0) progress.stage(p.stage);
        },
      });
      const t = r.record.tournament;
      done = {
        image: r.image,
        record: r.record,
        summary: `winner seed ${t.winner} of ${t.candidates.length}, ${t.nfe} transformer evaluations`,
        sheet: selection.sheet ? { path: selection.sheet, image: previewSheet(r.previews, t.winner) } : undefined,
      };
    } else {
      let started = false;
      const result = await session.edit(source, values.instruction, {
        seed,
        steps,
        guidance,
        width,
        conventions,
        signal: controller.signal,
        onWarning: (message) => progress.note(`warning: ${message}`, true),
        onProgress: (p) => {
          if (p.stage === "denoise") {
            if (!started) {
              progress.startSteps();
              started = true;
            }
            if (p.step > 0) progress.step(p.step, p.steps);
          } else if (p.stage === "decode" && p.step === 0) progress.stage("decoding");
        },
      });
      done = { image: result.image, record: result.record, summary: `seed ${seed}, ${steps} steps` };
    }
    if (controller.signal.aborted) throw new CancelledError(steps, steps);
    await writeImage(output, done.image);
    if (done.sheet) await writeImage(done.sheet.path, done.sheet.image);
    if (values.json) {
      await writeFileAtomic(resolve(values.json), new TextEncoder().encode(`${JSON.stringify({ ...done.record, outputPath: output }, null, 2)}\n`));
    }
    progress.finish();
    progress.note(`done in ${(done.record.timings.totalMs / 1000).toFixed(1)} s (${done.summary})`);
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
