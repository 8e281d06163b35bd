/**
 * Errors of the OpenAI-compatible routes (/v1/images/*, /v1/models) in OpenAI's shape,
 * `{ error: { message, type, param, code } }`, with the statuses the rest of the API uses, so that
 * the OpenAI SDKs raise their usual exceptions (400 BadRequestError, 401 AuthenticationError, 429
 * RateLimitError, ...). `code` is icedit's own machine-readable code.
 */
import { errorBody, type ErrorBody } from "./errors.js";

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    /** The request field at fault, when one is. */
    readonly param: string | null;
    readonly code: string;
  };
}

/** Whether a request URL is one of the OpenAI-compatible routes. */
export function isOpenAiPath(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return path.startsWith("/v1/images/") || path === "/v1/models" || path.startsWith("/v1/models/");
}

/** OpenAI's error types, by status. */
export function openAiErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Messages about one field start with its name (`n: takes 1 to 4 ...`): that name is the param. */
const FIELD_PREFIX = /^([a-z][a-z0-9_]*(?:\[\])?): /;

export function openAiErrorBody(status: number, code: string, message: string): OpenAiErrorBody {
  const param = status < 500 ? (FIELD_PREFIX.exec(message)?.[1] ?? null) : null;
  return { error: { message, type: openAiErrorType(status), param, code } };
}

/** The error body a route answers with: OpenAI's shape on the OpenAI-compatible routes, icedit's elsewhere. */
export function errorBodyFor(url: string, status: number, code: string, message: string): ErrorBody | OpenAiErrorBody {
  return isOpenAiPath(url) ? openAiErrorBody(status, code, message) : errorBody(code, message);
}
