/** `icedit edit --image in.png --instruction "..."`: one in-context edit, written atomically. */
import { parseArgs } from "node:util";
import { basename, extname, resolve } from "node:path";
import { readImage, writeImage, outputFormatFromPath } from "../image/index.js";
import { writeFileAtomic } from "../image/atomic-write.js";
import { icPrompt } from "../pipelines/icedit/prompt.js";
import { EDIT_DEFAULTS } from "../pipelines/icedit/edit.js";
import { CONVENTIONS } from "../pipelines/fill/conventions.js";
import { CancelledError } from "../pipelines/fill/errors.js";
import { DEFAULT_LORA, DEFAULT_MODEL, IceditSession } from "../api/session.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { UsageError, type CommandIO } from "./io.js";
import { choiceOption, intOption, numberOption } from "./options.js";
import { Progress } from "./progress.js";
import { createJudge } from "../vlm/index.js";
import { previewSheet, type SelectionEditOptions } from "../pipelines/noise-selection/index.js";

export const EDIT_USAGE = `usage: icedit edit --image IN --instruction TEXT [options]

Edits IN as the instruction says (ICEdit on FLUX.1 Fill) and writes the result.

  --image PATH         the image to edit (PNG, JPEG, WebP, ...)                 (required)
  --instruction TEXT   what to change, e.g. "make her hair dark green"          (required)
  -o, --output PATH    where to write the edited image; format from the extension
                       (.png, .jpg, .webp)                        default: ./<name>-edited.png
  --model ID|PATH      Hugging Face repo id or a folder in the diffusers layout
                                                     default: ${DEFAULT_MODEL}
  --revision REV       hub revision of --model                    default: main
  --transformer FILE   a transformer file instead of the folder's: flux1-fill-dev.safetensors, or a
                       community GGUF (Q8_0, Q4_0, F16, BF16; with --quant int8/int4 the Q8_0/Q4_0
                       blocks are used as they are, else dequantized to float32)
  --vae FILE           a VAE file instead of the folder's (e.g. ae.safetensors)
  --lora ID|PATH[:S]   a LoRA or LoRA-MoE adapter (repo id, .safetensors file or folder), with
                       an optional scale; repeat for several; "none" for no adapter
                       default: the model folder's icedit-lora/ if it has one, else ${DEFAULT_LORA}
  --lora-scale S       scale of adapters given without ":S"       default: 1
  --moe-top-k K        experts per token of a LoRA-MoE            default: 1 (as ICEdit)
  --merge-lora         fold plain LoRA into the weights (base speed, fixed scale)
  --seed N             noise seed (same seed, same result)        default: ${EDIT_DEFAULTS.seed}
  --steps N            denoising steps                            default: ${EDIT_DEFAULTS.steps}
  --guidance G         distilled guidance                         default: ${EDIT_DEFAULTS.guidance}
  --width W            width of the edited image, a multiple of 16; the height keeps
                       the aspect, rounded to a multiple of 16    default: ${EDIT_DEFAULTS.width}
  --conventions C      diffusers (as ICEdit's reference) or bfl   default: diffusers
  --judge KIND         turn on VLM-guided noise selection with an openai-compatible or an
                       ollama judge (several seeds run a few steps, the judge picks the best
                       early preview, only the winner runs to the end)
  --judge-url URL      the judge's API       default: https://api.openai.com/v1 or http://127.0.0.1:11434
  --judge-model NAME   the judge's model (e.g. Qwen/Qwen2.5-VL-72B-Instruct); key from
                       ICEDIT_JUDGE_API_KEY or OPENAI_API_KEY
  --judge-timeout S    seconds per judge answer                   default: 60
  --judge-fallback F   "first-seed": if the judge is unreachable, edit with the first seed
  --candidates M       seeds to try (seed, seed+1, ...)           default: 6
  --early-steps m      steps before judging (at most steps - 1)   default: 10
  --contact-sheet PNG  also write the candidates' previews in a grid, winner framed
  --json PATH          also write the record (parameters, model, timings, memory) as JSON
  --quant Q            weights of the transformer and T5: f32, int8 or int4 (block-quantized
                       MatMulNBits; LoRA branches stay float)     default: f32
  --device D           cpu, cuda or webgpu                        default: cpu
  --threads N          CPU threads (0: one per core)              default: 0
  --offline            use only local folders and the Hugging Face cache
  -q, --quiet          print only the output path and errors
  -h, --help           this help

Ctrl-C stops after the current step and writes nothing.`;

interface SelectionChoice {
  readonly options: Omit<SelectionEditOptions, "seed" | "steps" | "guidance" | "width" | "conventions" | "signal" | "onProgress" | "onWarning">;
  readonly sheet: string | null;
}

/** The noise-selection options, or null when no --judge was given. */
function selectionOptions(values: Record<string, string | boolean | string[] | undefined>): SelectionChoice | null {
  const text = (key: string): string | undefined => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  const kind = text("judge");
  if (!kind) {
    for (const key of ["candidates", "early-steps", "judge-url", "judge-model", "judge-fallback", "contact-sheet"]) {
      if (text(key) !== undefined) throw new UsageError(`--${key} is part of noise selection: add --judge openai|ollama (and --judge-model)`);
    }
    return null;
  }
  const judgeKind = choiceOption("judge", kind, "openai", ["openai", "ollama"] as const);
  const model = text("judge-model");
  if (!model) throw new UsageError(`--judge ${judgeKind} needs --judge-model NAME`);
  const timeout = numberOption("judge-timeout", text("judge-timeout"), 60);
  const fallback = choiceOption("judge-fallback", text("judge-fallback"), "none", ["none", "first-seed"] as const);
  const judge = createJudge({ kind: judgeKind, url: text("judge-url"), model, timeoutMs: timeout * 1000 });
  const candidates = text("candidates") === undefined ? undefined : intOption("candidates", text("candidates"), 6, 1);
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
      image: { type: "string" },
      instruction: { type: "string" },
      output: { type: "string", short: "o" },
      model: { type: "string" },
      revision: { type: "string" },
      transformer: { type: "string" },
      vae: { type: "string" },
      lora: { type: "string", multiple: true },
      "lora-scale": { type: "string" },
      "moe-top-k": { type: "string" },
      "merge-lora": { type: "boolean" },
      seed: { type: "string" },
      steps: { type: "string" },
      guidance: { type: "string" },
      width: { type: "string" },
      conventions: { type: "string" },
      json: { type: "string" },
      judge: { type: "string" },
      "judge-url": { type: "string" },
      "judge-model": { type: "string" },
      "judge-timeout": { type: "string" },
      "judge-fallback": { type: "string" },
      candidates: { type: "string" },
      "early-steps": { type: "string" },
      "contact-sheet": { type: "string" },
      device: { type: "string" },
      quant: { type: "string" },
      threads: { type: "string" },
      offline: { type: "boolean" },
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
  const seed = intOption("seed", values.seed, EDIT_DEFAULTS.seed, 0);
  const steps = intOption("steps", values.steps, EDIT_DEFAULTS.steps, 1);
  const guidance = numberOption("guidance", values.guidance, EDIT_DEFAULTS.guidance);
  const width = intOption("width", values.width, EDIT_DEFAULTS.width, 16);
  if (width % 16 !== 0) throw new UsageError(`--width must be a multiple of 16, got ${width} (try ${Math.round(width / 16) * 16})`);
  const conventions = CONVENTIONS[choiceOption("conventions", values.conventions, "diffusers", ["diffusers", "bfl"] as const)];
  const device = choiceOption<ExecutionProvider>("device", values.device, "cpu", ["cpu", "cuda", "webgpu"]);
  const threads = intOption("threads", values.threads, 0, 0);
  const quant = choiceOption("quant", values.quant, "f32", ["f32", "int8", "int4"] as const);
  const loras = values.lora === undefined ? "auto" : values.lora.some((l) => l === "none") ? [] : values.lora;
  const loraScale = numberOption("lora-scale", values["lora-scale"], 1);
  const moeTopK = intOption("moe-top-k", values["moe-top-k"], 1, 1);
  const selection = selectionOptions(values);
  const output = values.output ? resolve(values.output) : defaultOutput(values.image);
  outputFormatFromPath(output);
  icPrompt(values.instruction);
  const progress = new Progress(io, values.quiet === true);

  // Read the image before loading any model: a bad path fails in milliseconds.
  const source = await readImage(values.image);
  const controller = new AbortController();
  const removeHandler = io.onInterrupt(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    progress.note("stopping after the current step (nothing will be written)...", true);
  });
  let session: IceditSession | null = null;
  try {
    progress.stage(`model: ${values.model ?? DEFAULT_MODEL}`);
    session = await IceditSession.open({
      model: values.model,
      revision: values.revision,
      transformer: values.transformer,
      vae: values.vae,
      download: values.offline ? false : undefined,
      device,
      threads,
      loras,
      loraScale,
      moeTopK,
      mergeLora: values["merge-lora"] === true,
      quant,
      onDownload: (p) => progress.download(p.file, p.bytes, p.total),
      onLoad: (component) => progress.stage(`loading ${component}`),
    });
    if (controller.signal.aborted) throw new CancelledError(0, steps);
    for (const a of session.model.adapters) {
      const kind = a.kind === "moe-lora" ? `LoRA-MoE, ${a.experts} experts, top-${a.topK}` : "LoRA";
      progress.stage(`adapter ${a.spec}: ${kind}, ${a.matchedModules} modules, scale ${a.scale}${a.merged ? " (merged)" : ""}`);
      for (const warning of a.warnings) progress.note(`warning: ${warning}`, true);
    }
    progress.stage(`editing: ${values.instruction.trim()}`);
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
      if (controller.signal.aborted) throw new CancelledError(steps, steps);
      await writeImage(output, r.image);
      if (selection.sheet) await writeImage(selection.sheet, previewSheet(r.previews, r.record.tournament.winner));
      if (values.json) await writeFileAtomic(resolve(values.json), new TextEncoder().encode(`${JSON.stringify({ ...r.record, outputPath: output }, null, 2)}\n`));
      progress.finish();
      const t = r.record.tournament;
      progress.note(`done in ${(r.record.timings.totalMs / 1000).toFixed(1)} s (winner seed ${t.winner} of ${t.candidates.length}, ${t.nfe} transformer evaluations)`);
      io.out(output);
      return 0;
    }
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
    if (controller.signal.aborted) throw new CancelledError(steps, steps);
    await writeImage(output, result.image);
    if (values.json) {
      await writeFileAtomic(resolve(values.json), new TextEncoder().encode(`${JSON.stringify({ ...result.record, outputPath: output }, null, 2)}\n`));
    }
    progress.finish();
    const total = (result.record.timings.totalMs / 1000).toFixed(1);
    progress.note(`done in ${total} s (seed ${seed}, ${steps} steps)`);
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
