/** Making a judge from settings (what the CLI and the API pass), and a judge from a plain function. */
import { ShapesRuleJudge, RULE_JUDGE_NAME } from "../demo/eval/rule-judge.js";
import { InvalidArgumentError } from "../errors.js";
import type { Judge, JudgeFunction, JudgeRequest, JudgeVerdict } from "./judge.js";
import { OllamaJudge } from "./ollama.js";
import { OpenAiJudge, type HttpJudgeOptions } from "./openai.js";
import { parseChoice } from "./parse.js";

/** The judges reached over HTTP. */
export type HttpJudgeKind = "openai" | "ollama";
/** "rule": the demo world's rule-based judge (model "shapes", src/demo/eval/rule-judge.ts), in process. */
export type JudgeKind = HttpJudgeKind | "rule";

export const JUDGE_KINDS: readonly JudgeKind[] = ["openai", "ollama", "rule"];

export const DEFAULT_JUDGE_URLS: Readonly<Record<HttpJudgeKind, string>> = {
  openai: "https://api.openai.com/v1",
  ollama: "http://127.0.0.1:11434",
};

export const DEFAULT_JUDGE_TIMEOUT_MS = 60_000;

export interface JudgeConfig {
  readonly kind: JudgeKind;
  /** Default: DEFAULT_JUDGE_URLS[kind]. */
  readonly url?: string;
  readonly model: string;
  /** Per request (default 60 s). */
  readonly timeoutMs?: number;
  /** Further attempts on network errors, HTTP 5xx and 429 (default 3). */
  readonly retries?: number;
  /** Default: from the environment (judgeApiKey). */
  readonly apiKey?: string | null;
  readonly probeTimeoutMs?: number;
  readonly checkModel?: boolean;
  readonly maxTokens?: number | null;
  readonly temperature?: number | null;
}

/** ICEDIT_JUDGE_API_KEY, else (for OpenAI-compatible judges) OPENAI_API_KEY; null when neither is set. */
export function judgeApiKey(kind: JudgeKind, env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const own = env["ICEDIT_JUDGE_API_KEY"];
  if (own) return own;
  const openai = env["OPENAI_API_KEY"];
  return kind === "openai" && openai ? openai : null;
}

export function createJudge(config: JudgeConfig): Judge {
  if (!JUDGE_KINDS.includes(config.kind))
    throw new InvalidArgumentError(`the judge kind must be one of ${JUDGE_KINDS.join(", ")}, got "${String(config.kind)}"`);
  if (config.kind === "rule") {
    if (config.model !== RULE_JUDGE_NAME)
      throw new InvalidArgumentError(
        `the rule judge's model must be "${RULE_JUDGE_NAME}" (the demo world of shapes), got "${config.model}"`,
      );
    return new ShapesRuleJudge();
  }
  if (!config.model || config.model.trim() === "") {
    throw new InvalidArgumentError(
      `a ${config.kind} judge needs a model name (e.g. ${config.kind === "ollama" ? "qwen2.5vl:72b" : "Qwen/Qwen2.5-VL-72B-Instruct"})`,
    );
  }
  const timeoutMs = config.timeoutMs ?? DEFAULT_JUDGE_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new InvalidArgumentError(`the judge time-out must be a positive number of milliseconds, got ${timeoutMs}`);
  const url = config.url ?? DEFAULT_JUDGE_URLS[config.kind];
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new InvalidArgumentError(`the judge URL must be an http:// or https:// URL, got "${url}"`);
  }
  const options: HttpJudgeOptions = {
    url,
    model: config.model.trim(),
    apiKey: config.apiKey === undefined ? judgeApiKey(config.kind) : config.apiKey,
    http: { timeoutMs, ...(config.retries === undefined ? {} : { retries: config.retries }) },
    probeTimeoutMs: config.probeTimeoutMs,
    checkModel: config.checkModel,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
  };
  return config.kind === "openai" ? new OpenAiJudge(options) : new OllamaJudge(options);
}

/** A judge from a function that returns 1, 2, null (a tie) or a text answer to parse. */
export function judgeFromFunction(fn: JudgeFunction): Judge {
  return {
    async probe() {},
    async compare(request: JudgeRequest): Promise<JudgeVerdict> {
      const started = performance.now();
      const out = await fn(request);
      const choice = typeof out === "string" ? parseChoice(out) : out;
      if (choice !== 1 && choice !== 2 && choice !== null)
        throw new InvalidArgumentError(`a judge function must return 1, 2, null or a text answer, got ${String(out)}`);
      return { choice, raw: typeof out === "string" ? out : String(out), ms: performance.now() - started, retried: false };
    },
  };
}
