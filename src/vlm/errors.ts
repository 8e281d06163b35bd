/** Errors of the judges: each says what was wrong and what to check. */
import { IceditError } from "../errors.js";

export class JudgeError extends IceditError {}

/** No connection could be made (refused, DNS, reset before an answer). */
export class JudgeUnreachableError extends JudgeError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `the judge at ${url} cannot be reached (${reason}): is the server running, and is the URL right? ` +
        "Give another judge URL, or choose the first-seed fallback to edit without a judge",
    );
  }
}

/** The judge did not answer within the time-out. */
export class JudgeTimeoutError extends JudgeError {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`the judge at ${url} did not answer within ${timeoutMs / 1000} s: raise the judge time-out, or use a smaller or less busy model`);
  }
}

function httpHint(status: number, kind: "openai" | "ollama", model: string): string {
  if (status === 401 || status === 403) {
    return kind === "openai"
      ? "check the API key (ICEDIT_JUDGE_API_KEY or OPENAI_API_KEY) and that it may use this model"
      : "the server refused the request: check the API key (ICEDIT_JUDGE_API_KEY) of the proxy in front of Ollama";
  }
  if (status === 404) {
    return kind === "openai"
      ? `check the URL (an OpenAI-compatible server answers at <url>/chat/completions, usually with /v1 in the URL) and the model name "${model}"`
      : `check the URL (Ollama answers at <url>/api/chat, e.g. http://127.0.0.1:11434) and that the model is pulled: ollama pull ${model}`;
  }
  if (status === 413) return "the images are too large for this server: lower the edit width or raise the server's request size limit";
  if (status === 400 || status === 422)
    return `check the model name "${model}" and that this model accepts images (a vision-language model is needed)`;
  return `check the judge URL, model name "${model}" and API key`;
}

/** The judge answered with an HTTP error that a retry will not fix (4xx), or kept failing (5xx, 429). */
export class JudgeHttpError extends JudgeError {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
    kind: "openai" | "ollama",
    model: string,
  ) {
    const excerpt = body.trim().slice(0, 300);
    super(
      `the judge at ${url} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ""}; ${status >= 500 || status === 429 ? "it kept failing after retries; try again later or check the server's log" : httpHint(status, kind, model)}`,
    );
  }
}

/** The server does not serve the model asked for (found by the probe). */
export class JudgeModelError extends JudgeError {}

/** The answer was not the JSON shape the API promises. */
export class JudgeResponseError extends JudgeError {}

/** The caller's AbortSignal fired while waiting for the judge. */
export class JudgeCancelledError extends JudgeError {
  constructor() {
    super("cancelled while waiting for the judge");
  }
}
