/**
 * The options every command that opens a model shares (edit, serve, worker): the model, its
 * adapters, precision and device, and noise selection's judge; one table, one parser.
 */
import { DEFAULT_LORA, DEFAULT_MODEL, type OpenOptions } from "../api/session.js";
import type { JudgeConfig } from "../vlm/create.js";
import { RULE_JUDGE_NAME } from "../demo/eval/rule-judge.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import type { CacheEvent } from "../api/index.js";
import { resolve } from "node:path";
import { UsageError } from "./io.js";
import { choiceOption, intOption, numberOption, precisionOption } from "./options.js";
import { memoryOption, sizeOption } from "./memory-option.js";
import { boundedIntOption } from "./limit-options.js";
import { defaultThreadLimit, THREADS_PER_CORE } from "../api/edit-limits.js";
import { parseAdapterSpec } from "../index.js";
import { EDIT_METHODS, type EditMethod } from "../api/edit-method.js";

/** Help text of the model options. */
export const MODEL_OPTIONS_USAGE = `  --model ID|PATH      Hugging Face repo id or a folder: FLUX.1 Fill [dev] edits with ICEdit,
                       FLUX.1 Kontext [dev] with Kontext          default: ${DEFAULT_MODEL}
  --method M           icedit or kontext: the editing method; by default the model's own
                       (a 64-channel file not named Kontext needs --method kontext)
  --revision REV       hub revision of --model
  --transformer FILE   a transformer file instead of the folder's: flux1-fill-dev.safetensors,
                       flux1-kontext-dev.safetensors or a community GGUF (Q8_0/Q4_0 blocks used as they are with --quant)
  --vae FILE           a VAE file instead of the folder's
  --lora ID|PATH[:S]   a LoRA or LoRA-MoE adapter, with an optional scale; repeat for
                       several; "none" for no adapter
                       default: the model folder's icedit-lora/ if it has one, else ${DEFAULT_LORA}
  --lora-scale S       scale of adapters given without ":S"       default: 1
  --moe-top-k K        experts per token of a LoRA-MoE            default: 1 (as ICEdit)
  --merge-lora         fold plain LoRA into the weights (base speed, fixed scale)
  --quant Q            weights of the transformer and T5: f32, int8 or int4 (block-quantized
                       MatMulNBits; LoRA branches stay float), or auto: f32 when the model
                       fits --max-memory at f32, else on cpu this machine's fastest int8
                       form (block size, int8 or float activations: measured once per
                       machine and kept in the cache), int4 on cuda/webgpu
                                                                  default: auto
  --block-size N       weights per quantization block: 16, 32, 64, 128 or 256; 32 takes
                       GGUF Q8_0/Q4_0 blocks as they are   default: 32 (auto: the machine's)
  --cache-dir DIR      where int8/int4 weights are kept once converted (icedit convert);
                       "none": convert in memory at every start
                       default: $ICEDIT_CACHE_DIR/converted, else beside the Hugging Face cache
  --embedding-cache-size SIZE
                       most disk space for cached text embeddings (least recently used
                       go first), e.g. 256M or 1G                 default: 256M
  --max-memory SIZE    memory budget, e.g. 20G, 20GiB or 512M (binary units), or auto: the
                       machine's (or its cgroup's) memory. If the model's estimated footprint
                       fits, it stays loaded; otherwise each component is loaded when needed
                       and the least recently used are released     default: auto
  --device D           cpu, cuda or webgpu                        default: cpu
  --threads N          CPU threads (0: one per core)              default: 0
  --max-threads N      most --threads allowed                     default: ${THREADS_PER_CORE} x cores
  --offline            use only local folders and the Hugging Face cache`;

/** Noise selection's judge, for the process that runs the model. */
export const JUDGE_OPTIONS_USAGE = `  --judge KIND         noise selection's judge: an openai-compatible or an ollama vision
                       model (on a server, jobs then may ask for candidates >= 2), or
                       rule: the demo world's rule judge (model shapes; no VLM)
  --judge-model NAME   the judge's model (e.g. Qwen/Qwen2.5-VL-72B-Instruct); its key comes
                       from ICEDIT_JUDGE_API_KEY (or OPENAI_API_KEY)
  --judge-url URL      the judge's API       default: https://api.openai.com/v1 or http://127.0.0.1:11434
  --judge-timeout S    seconds per judge answer                   default: 60`;

export const JUDGE_OPTIONS = {
  judge: { type: "string" },
  "judge-model": { type: "string" },
  "judge-url": { type: "string" },
  "judge-timeout": { type: "string" },
} as const;

export interface JudgeValues {
  readonly judge?: string;
  readonly "judge-model"?: string;
  readonly "judge-url"?: string;
  readonly "judge-timeout"?: string;
}

/** The judge's settings, or undefined without --judge. */
export function judgeConfig(values: JudgeValues): JudgeConfig | undefined {
  if (values.judge === undefined) {
    const stray = (["judge-model", "judge-url", "judge-timeout"] as const).find((key) => values[key] !== undefined);
    if (stray) throw new UsageError(`--${stray} is part of noise selection: add --judge openai|ollama (and --judge-model) or --judge rule`);
    return undefined;
  }
  const kind = choiceOption("judge", values.judge, "openai", ["openai", "ollama", "rule"] as const);
  const model = values["judge-model"] ?? (kind === "rule" ? RULE_JUDGE_NAME : undefined);
  if (!model) throw new UsageError(`--judge ${kind} needs --judge-model NAME`);
  const timeout = numberOption("judge-timeout", values["judge-timeout"], 60);
  if (!(timeout > 0)) throw new UsageError(`--judge-timeout takes a positive number of seconds, got ${timeout}`);
  return { kind, model, url: values["judge-url"], timeoutMs: timeout * 1000 };
}

export const MODEL_OPTIONS = {
  model: { type: "string" },
  method: { type: "string" },
  revision: { type: "string" },
  transformer: { type: "string" },
  vae: { type: "string" },
  lora: { type: "string", multiple: true },
  "lora-scale": { type: "string" },
  "moe-top-k": { type: "string" },
  "merge-lora": { type: "boolean" },
  quant: { type: "string" },
  "block-size": { type: "string" },
  "cache-dir": { type: "string" },
  "max-memory": { type: "string" },
  "embedding-cache-size": { type: "string" },
  device: { type: "string" },
  threads: { type: "string" },
  "max-threads": { type: "string" },
  offline: { type: "boolean" },
} as const;

export interface ModelValues {
  readonly model?: string;
  readonly method?: string;
  readonly revision?: string;
  readonly transformer?: string;
  readonly vae?: string;
  readonly lora?: string[];
  readonly "lora-scale"?: string;
  readonly "moe-top-k"?: string;
  readonly "merge-lora"?: boolean;
  readonly quant?: string;
  readonly "block-size"?: string;
  readonly "cache-dir"?: string;
  readonly "max-memory"?: string;
  readonly "embedding-cache-size"?: string;
  readonly device?: string;
  readonly threads?: string;
  readonly "max-threads"?: string;
  readonly offline?: boolean;
}

/** One line about what the converted-weights cache did, or null for a silent hit. */
export function describeCacheEvent(event: CacheEvent): string | null {
  if (event.kind === "build") return `${event.component}: converting the weights once into ${event.dir} (${event.reason})`;
  if (event.kind === "built")
    return `${event.component}: converted in ${(event.ms / 1000).toFixed(1)} s (${(event.bytes / 2 ** 30).toFixed(2)} GiB)`;
  if (event.kind === "removed") return `${event.component}: removed outdated converted weights ${event.dir} (${event.reason})`;
  return null;
}

/** How to open the model, from the parsed model options; `onNote` hears about weight conversions. */
export function sessionOptions(
  values: ModelValues,
  onLoad: (component: string) => void,
  onNote: (message: string) => void = () => undefined,
): Omit<OpenOptions, "embeddingCacheDir"> {
  const loraScale = numberOption("lora-scale", values["lora-scale"], 1);
  for (const spec of values.lora ?? []) if (spec !== "none") parseAdapterSpec(spec, loraScale); // a bad ":scale" fails before any work
  const maxThreads = intOption("max-threads", values["max-threads"], defaultThreadLimit(), 1);
  return {
    model: values.model,
    method: values.method === undefined ? undefined : choiceOption<EditMethod>("method", values.method, "icedit", EDIT_METHODS),
    revision: values.revision,
    transformer: values.transformer,
    vae: values.vae,
    loras: values.lora === undefined ? "auto" : values.lora.some((l) => l === "none") ? [] : values.lora,
    loraScale,
    moeTopK: intOption("moe-top-k", values["moe-top-k"], 1, 1),
    mergeLora: values["merge-lora"] === true,
    precision: precisionOption(values.quant, values["block-size"], ["auto", "f32", "int8", "int4"]),
    maxMemory: memoryOption("max-memory", values["max-memory"]),
    embeddingCacheSize: sizeOption("embedding-cache-size", values["embedding-cache-size"]),
    download: values.offline ? false : undefined,
    convertedCacheDir: values["cache-dir"] === undefined ? undefined : values["cache-dir"] === "none" ? null : resolve(values["cache-dir"]),
    onConverted: (event) => {
      const line = describeCacheEvent(event);
      if (line) onNote(line);
    },
    onKernelMeasure: (machine) =>
      onNote(`--quant auto: measuring this machine's kernels once (${machine.cpu}; about half a minute, kept in the cache)`),
    device: choiceOption<ExecutionProvider>("device", values.device, "cpu", ["cpu", "cuda", "webgpu"]),
    threads: boundedIntOption("threads", values.threads, 0, 0, maxThreads, "max-threads"),
    limits: { maxThreads },
    onLoad,
  };
}
