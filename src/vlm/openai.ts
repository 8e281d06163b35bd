/**
 * A judge behind an OpenAI-compatible chat-completions API (vLLM, LM Studio, llama.cpp server,
 * OpenAI, Ollama's /v1): POST {url}/chat/completions with the images as `image_url` data URLs.
 */
import { base64, baseUrl, comparePairwise, imageMime, isRecord, listsModel, type ChatTurn } from "./chat.js";
import { JudgeModelError, JudgeResponseError } from "./errors.js";
import { DEFAULT_HTTP, getListing, postJson, type HttpSettings } from "./http.js";
import type { Judge, HttpJudgeIdentity, JudgeRequest, JudgeVerdict } from "./judge.js";

export interface HttpJudgeOptions {
  readonly url: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer <key>`; null or absent: none. */
  readonly apiKey?: string | null;
  readonly http?: Partial<HttpSettings>;
  /** The probe's time-out (default 5 s). */
  readonly probeTimeoutMs?: number;
  /** Whether the probe checks that the server lists the model (default true). */
  readonly checkModel?: boolean;
  /** Answer length limit (max_tokens / num_predict); null: not sent. Default 300. */
  readonly maxTokens?: number | null;
  /** Sampling temperature; null: not sent. Default 0. */
  readonly temperature?: number | null;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;
const MAX_TOKENS = 300;

function content(turn: ChatTurn): string | Record<string, unknown>[] {
  if (!turn.images || turn.images.length === 0) return turn.text;
  return [
    ...turn.images.map((bytes) => ({ type: "image_url", image_url: { url: `data:${imageMime(bytes)};base64,${base64(bytes)}` } })),
    { type: "text", text: turn.text },
  ];
}

/** choices[0].message.content: a string, or a list of parts whose text parts are joined. */
function answerText(json: unknown, url: string): string {
  const choice = isRecord(json) && Array.isArray(json["choices"]) ? (json["choices"][0] as unknown) : undefined;
  const message = isRecord(choice) ? choice["message"] : undefined;
  const value = isRecord(message) ? message["content"] : undefined;
  if (typeof value === "string") return value;
  if (value === null) return "";
  if (Array.isArray(value)) {
    return value.map((part: unknown) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("");
  }
  throw new JudgeResponseError(
    `the judge at ${url} answered without choices[0].message.content: is this an OpenAI-compatible chat-completions API?`,
  );
}

export class OpenAiJudge implements Judge {
  readonly identity: HttpJudgeIdentity;
  private readonly http: HttpSettings;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: HttpJudgeOptions) {
    this.identity = { kind: "openai", url: baseUrl(options.url, ["/chat/completions", "/models"]), model: options.model };
    this.http = { ...DEFAULT_HTTP, ...options.http };
    this.headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  /** GET {url}/models: reachable, the key accepted, and (when listed) the model served. */
  async probe(): Promise<void> {
    const url = `${this.identity.url}/models`;
    const timeoutMs = this.options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const json = await getListing(url, this.headers, timeoutMs, this.identity, this.options.checkModel !== false);
    if (json === undefined) return;
    const data = isRecord(json) && Array.isArray(json["data"]) ? (json["data"] as unknown[]) : [];
    const ids = data.map((m) => (isRecord(m) && typeof m["id"] === "string" ? m["id"] : "")).filter((id) => id !== "");
    if (ids.length > 0 && !listsModel(ids, this.identity.model)) {
      const shown = ids.slice(0, 12).join(", ") + (ids.length > 12 ? ", ..." : "");
      throw new JudgeModelError(
        `the judge at ${this.identity.url} does not serve the model "${this.identity.model}"; it lists: ${shown}. Check the judge model name`,
      );
    }
  }

  compare(request: JudgeRequest): Promise<JudgeVerdict> {
    return comparePairwise((turns, signal) => this.ask(turns, signal), request);
  }

  /** One chat with the model (images with their turns); returns its answer text. */
  async ask(turns: readonly ChatTurn[], signal?: AbortSignal): Promise<string> {
    const url = `${this.identity.url}/chat/completions`;
    const body: Record<string, unknown> = {
      model: this.identity.model,
      messages: turns.map((t) => ({ role: t.role, content: content(t) })),
      stream: false,
    };
    const maxTokens = this.options.maxTokens === undefined ? MAX_TOKENS : this.options.maxTokens;
    const temperature = this.options.temperature === undefined ? 0 : this.options.temperature;
    if (maxTokens !== null) body["max_tokens"] = maxTokens;
    if (temperature !== null) body["temperature"] = temperature;
    const json = await postJson(this.identity, url, body, this.headers, this.http, signal);
    return answerText(json, url);
  }
}
