/**
 * `icedit convert`: converts a model's transformer and T5 to block-quantized weights once, into the
 * converted-weights cache that `icedit edit --quant` then uses (it would build the same entries on
 * first use). Also checks existing entries (--verify re-hashes them).
 */
import { resolve } from "node:path";
import { convertModel, convertPrecision, CONVERTIBLE, DEFAULT_MODEL, defaultConvertedCacheDir } from "../api/index.js";
import type { CacheEvent, ConvertibleComponent } from "../api/index.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandArgs } from "./parse-command.js";
import { choiceOption, precisionOption } from "./options.js";
import { checkOutputPaths } from "./output-paths.js";

export const CONVERT_USAGE = `usage: icedit convert [options]

Converts the transformer and T5 of a FLUX.1 Fill model to block-quantized weights (ONNX Runtime's
MatMulNBits form; GGUF Q8_0/Q4_0 blocks are used as they are) into the converted-weights cache,
once. \`icedit edit --quant ...\` with the same model then loads them from there instead of
converting at every start. An entry is rebuilt when its source files change, and checked before
every use (size always, SHA-256 when the file changed since its last check).

  --model ID|PATH      Hugging Face repo id or a folder           default: ${DEFAULT_MODEL}
  --revision REV       hub revision of --model
  --transformer FILE   a transformer file instead of the folder's (.safetensors or .gguf)
  --quant Q            int8, int4 or auto: on cpu the form \`icedit edit --quant auto\` picks
                       (this machine's fastest int8 block size), int4 on cuda/webgpu
                                                                  default: auto
  --block-size N       elements per quantization block (16, 32, 64, 128 or 256)
                                                       default: 32 (auto: the machine's)
  --device D           cpu, cuda or webgpu (picks the default --quant; the converted
                       weights are the same for every device)     default: cpu
  --only C             convert only this component: transformer or t5
  --cache-dir DIR      the converted-weights cache   default: $ICEDIT_CACHE_DIR/converted,
                       else beside the Hugging Face cache (${defaultConvertedCacheDir()})
  --verify             re-hash existing entries even when their files look unchanged
  --offline            use only local folders and the Hugging Face cache
  -h, --help           this help`;

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 3 : 2)} GiB`;
}

export async function convertCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      model: { type: "string" },
      revision: { type: "string" },
      transformer: { type: "string" },
      quant: { type: "string" },
      "block-size": { type: "string" },
      device: { type: "string" },
      only: { type: "string" },
      "cache-dir": { type: "string" },
      verify: { type: "boolean" },
      offline: { type: "boolean" },
    },
    CONVERT_USAGE,
    io,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(`convert takes no positional arguments, got "${positionals.join(" ")}" (icedit convert --help)`);
  const device = choiceOption<ExecutionProvider>("device", values.device, "cpu", ["cpu", "cuda", "webgpu"]);
  const choice = precisionOption(values.quant, values["block-size"], ["auto", "int8", "int4"]);
  if (choice.kind === "auto" && device === "cpu")
    io.err("auto: reading this machine's kernel table (measured once per machine, about half a minute)");
  const { precision, autoQuant } = await convertPrecision(choice, device);
  if (autoQuant) io.err(`auto: ${autoQuant.chosen}, ${autoQuant.reason}`);
  const components: readonly ConvertibleComponent[] =
    values.only === undefined ? CONVERTIBLE : [choiceOption("only", values.only, "transformer", CONVERTIBLE)];
  const cacheDir = values["cache-dir"] === undefined ? undefined : resolve(values["cache-dir"]);
  // Checked before any work: a cache dir that cannot be written fails now, not after the conversion.
  if (cacheDir !== undefined) await checkOutputPaths({ dirs: [{ option: "--cache-dir", path: cacheDir }] });
  const onEvent = (e: CacheEvent): void => {
    if (e.kind === "build") io.err(`${e.component}: converting to ${precision.kind} (${e.reason})`);
    else if (e.kind === "removed") io.err(`${e.component}: removed ${e.dir} (${e.reason})`);
  };
  let shown = -1;
  const results = await convertModel({
    model: values.model,
    revision: values.revision,
    transformer: values.transformer,
    download: values.offline ? false : undefined,
    precision,
    device,
    components,
    cacheDir,
    verify: values.verify,
    onEvent,
    onTensor: (component, done, total) => {
      const percent = Math.floor((100 * done) / total);
      if (!io.tty || (percent === shown && done < total)) return;
      shown = done === total ? -1 : percent;
      io.errRaw(`\r${component}: ${done}/${total} tensors (${percent}%)${done === total ? "\n" : ""}`);
    },
  });
  for (const r of results) {
    const what = r.built ? `converted in ${(r.ms / 1000).toFixed(1)} s` : `up to date (checked in ${(r.ms / 1000).toFixed(1)} s)`;
    io.err(`${r.component}: ${precision.kind}, block ${precision.blockSize}, ${gib(r.bytes)}: ${what}`);
    io.out(r.dir);
  }
  return 0;
}
