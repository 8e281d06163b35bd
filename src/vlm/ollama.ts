/** A judge served by Ollama's native chat API: POST {url}/api/chat, images as raw base64, no streaming. */
import { base64, baseUrl, comparePairwise, isRecord, listsModel, type ChatTurn } from "./chat.js";
import { JudgeModelError, JudgeResponseError } from "./errors.js";
import { DEFAULT_HTTP, getListing, postJson, type HttpSettings } from "./http.js";
import type { Judge, HttpJudgeIdentity, JudgeRequest, JudgeVerdict } from "./judge.js";
import { DEFAULT_PROBE_TIMEOUT_MS, type HttpJudgeOptions } from "./openai.js";

const NUM_PREDICT = 300;

export class OllamaJudge implements Judge {
  readonly identity: HttpJudgeIdentity;
  private readonly http: HttpSettings;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: HttpJudgeOptions) {
    this.identity = { kind: "ollama", url: baseUrl(options.url, ["/api/chat", "/api/tags", "/api"]), model: options.model };
    this.http = { ...DEFAULT_HTTP, ...options.http };
    this.headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  /** GET {url}/api/tags: reachable, and the model pulled. */
  async probe(): Promise<void> {
    const url = `${this.identity.url}/api/tags`;
    const timeoutMs = this.options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const json = await getListing(url, this.headers, timeoutMs, this.identity, this.options.checkModel !== false);
    if (json === undefined) return;
    const models = isRecord(json) && Array.isArray(json["models"]) ? (json["models"] as unknown[]) : null;
    if (!models) return;
    const names = models.flatMap((m) => (isRecord(m) ? [m["name"], m["model"]].filter((n): n is string => typeof n === "string") : []));
    if (!listsModel(names, this.identity.model)) {
      const have = [...new Set(names)].slice(0, 12).join(", ") || "no models";
      throw new JudgeModelError(
        `the Ollama server at ${this.identity.url} has no model "${this.identity.model}" (it has: ${have}): run \`ollama pull ${this.identity.model}\` there, or check the judge model name`,
      );
    }
  }

  compare(request: JudgeRequest): Promise<JudgeVerdict> {
    return comparePairwise((turns, signal) => this.ask(turns, signal), request);
  }

  /** One chat with the model (images with their turns); returns its answer text. */
  async ask(turns: readonly ChatTurn[], signal?: AbortSignal): Promise<string> {
    const url = `${this.identity.url}/api/chat`;
    const options: Record<string, number> = {};
    const maxTokens = this.options.maxTokens === undefined ? NUM_PREDICT : this.options.maxTokens;
    const temperature = this.options.temperature === undefined ? 0 : this.options.temperature;
    if (maxTokens !== null) options["num_predict"] = maxTokens;
    if (temperature !== null) options["temperature"] = temperature;
    const body = {
      model: this.identity.model,
      messages: turns.map((t) =>
        t.images && t.images.length > 0
          ? { role: t.role, content: t.text, images: t.images.map(base64) }
          : { role: t.role, content: t.text },
      ),
      stream: false,
      options,
    };
    const json = await postJson(this.identity, url, body, this.headers, this.http, signal);
    const message = isRecord(json) ? json["message"] : undefined;
    const text = isRecord(message) ? message["content"] : undefined;
    if (typeof text !== "string")
      throw new JudgeResponseError(`the Ollama server at ${url} answered without message.content: is this Ollama's /api/chat?`);
    return text;
  }
}
