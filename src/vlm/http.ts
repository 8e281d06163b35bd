/**
 * JSON over HTTP for the judges: a time-out per attempt, retries with exponential back-off on
 * network errors, HTTP 5xx and 429 (honouring Retry-After), typed errors for the rest, and the
 * caller's AbortSignal honoured throughout (also while waiting to retry).
 */
import { JudgeCancelledError, JudgeHttpError, JudgeResponseError, JudgeTimeoutError, JudgeUnreachableError } from "./errors.js";

export interface HttpSettings {
  /** Per attempt, from sending the request to reading the whole answer. */
  readonly timeoutMs: number;
  /** Further attempts after the first, for network errors, HTTP 5xx and 429. */
  readonly retries: number;
  /** The first back-off; it doubles with each retry. */
  readonly retryDelayMs: number;
  /** The longest wait between attempts (also caps a server's Retry-After). */
  readonly maxRetryDelayMs: number;
}

export const DEFAULT_HTTP: HttpSettings = { timeoutMs: 60_000, retries: 3, retryDelayMs: 1_000, maxRetryDelayMs: 30_000 };

/** Who is being called, for error messages. */
export interface HttpTarget {
  readonly kind: "openai" | "ollama";
  readonly model: string;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new JudgeCancelledError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new JudgeCancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Retry-After as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** One attempt; network failures come back as a string reason, time-out and cancellation throw. */
async function attempt(url: string, init: RequestInit, timeoutMs: number, signal: AbortSignal | undefined): Promise<Answer | string> {
  if (signal?.aborted) throw new JudgeCancelledError();
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { ...init, signal: combined });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    if (signal?.aborted) throw new JudgeCancelledError();
    if (timeout.aborted) throw new JudgeTimeoutError(url, timeoutMs);
    return reasonOf(error);
  }
}

/** POSTs `body` as JSON and returns the parsed JSON answer of a 2xx response. */
export async function postJson(
  target: HttpTarget,
  url: string,
  body: unknown,
  headers: Record<string, string>,
  settings: HttpSettings,
  signal?: AbortSignal,
): Promise<unknown> {
  const init: RequestInit = { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  for (let tries = 0; ; tries++) {
    const answer = await attempt(url, init, settings.timeoutMs, signal);
    const last = tries >= settings.retries;
    const backoff = Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** tries);
    if (typeof answer === "string") {
      if (last) throw new JudgeUnreachableError(url, answer);
      await sleep(backoff, signal);
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) {
      try {
        return JSON.parse(answer.body) as unknown;
      } catch {
        throw new JudgeResponseError(
          `the judge at ${url} answered HTTP ${answer.status} with something that is not JSON: ${answer.body.slice(0, 200)}`,
        );
      }
    }
    const retryable = answer.status === 429 || answer.status >= 500;
    if (!retryable || last) throw new JudgeHttpError(url, answer.status, answer.body, target.kind, target.model);
    const wait = answer.status === 429 || answer.status === 503 ? retryAfterMs(answer.headers.get("retry-after")) : null;
    await sleep(Math.min(settings.maxRetryDelayMs, wait ?? backoff), signal);
  }
}

/**
 * A probe's GET of a model listing, tried once: throws on a refused key (401/403) or an unreachable server; the
 * parsed JSON when the listing should be checked, or undefined when it cannot or need not be
 * (another status, `checkModel` false, a body that is not JSON).
 */
export async function getListing(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  target: HttpTarget,
  checkModel: boolean,
): Promise<unknown> {
  const answer = await attempt(url, { method: "GET", headers }, timeoutMs, undefined);
  if (typeof answer === "string") throw new JudgeUnreachableError(url, answer);
  if (answer.status === 401 || answer.status === 403) throw new JudgeHttpError(url, answer.status, answer.body, target.kind, target.model);
  if (answer.status !== 200 || !checkModel) return undefined;
  try {
    return JSON.parse(answer.body);
  } catch {
    return undefined;
  }
}
