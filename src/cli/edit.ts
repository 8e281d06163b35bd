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

export const EDIT_USAGE = `usage: icedit edit --image IN --instruction TEXT [options]

Edits IN as the instruction says (ICEdit on FLUX.1 Fill) and writes the result.

  --image PATH         the image to edit (PNG, JPEG, WebP, ...)                 (required)
  --instruction TEXT   what to change, e.g. "make her hair dark green"          (required)
  -o, --output PATH    where to write the edited image; format from the extension
                       (.png, .jpg, .webp)                        default: ./<name>-edited.png
  --model ID|PATH      Hugging Face repo id or a folder in the diffusers layout
                                                     default: ${DEFAULT_MODEL}
  --revision REV       hub revision of --model                    default: main
  --transformer FILE   a transformer file instead of the folder's (e.g. flux1-fill-dev.safetensors)
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
  --json PATH          also write the record (parameters, model, timings, memory) as JSON
  --device D           cpu, cuda or webgpu                        default: cpu
  --threads N          CPU threads (0: one per core)              default: 0
  --offline            use only local folders and the Hugging Face cache
  -q, --quiet          print only the output path and errors
  -h, --help           this help

Ctrl-C stops after the current step and writes nothing.`;

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
      device: { type: "string" },
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
  const loras = values.lora === undefined ? "auto" : values.lora.some((l) => l === "none") ? [] : values.lora;
  const loraScale = numberOption("lora-scale", values["lora-scale"], 1);
  const moeTopK = intOption("moe-top-k", values["moe-top-k"], 1, 1);
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
