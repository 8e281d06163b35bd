/** The server's settings, their defaults, and the rule that an exposed server needs a token. */
import { isIP } from "node:net";
import { IceditError } from "../errors.js";
import { DEFAULT_EDIT_LIMITS } from "../api/edit-limits.js";

export interface ServerLimits {
  /** Largest upload (the image file) in bytes. */
  readonly maxUploadBytes: number;
  /** Largest width x height of an input image, checked from its header before decoding. */
  readonly maxPixels: number;
  /** Jobs that may wait in the queue (not counting the running ones); more get 429. */
  readonly maxQueued: number;
  readonly maxSteps: number;
  readonly maxWidth: number;
  readonly maxInstructionChars: number;
  readonly minFreeBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxUploadBytes: 25 * 1024 * 1024,
  maxPixels: 25_000_000,
  maxQueued: 100,
  maxSteps: DEFAULT_EDIT_LIMITS.maxSteps,
  maxWidth: DEFAULT_EDIT_LIMITS.maxWidth,
  maxInstructionChars: 1000,
  minFreeBytes: 512 * 1024 * 1024,
};

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 7860;

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  /** Bearer token required on /v1/* (undefined: none, allowed on loopback only). */
  readonly token: string | undefined;
  /** Origins allowed to call the API from a browser (CORS); empty: none (the default). */
  readonly corsOrigins: readonly string[];
  readonly limits: ServerLimits;
}

export class ServerConfigError extends IceditError {}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || bare === "0:0:0:0:0:0:0:1";
  return false;
}

/** Refuses to expose the API to a network without a token. */
export function checkHttpConfig(config: HttpConfig): void {
  if (config.token !== undefined && config.token.length < 16) {
    throw new ServerConfigError("the token is too short: use at least 16 characters (e.g. `openssl rand -hex 24`)");
  }
  if (!isLoopbackHost(config.host) && config.token === undefined) {
    throw new ServerConfigError(
      `--host ${config.host} lets other machines reach the server: set a bearer token with --token or ICEDIT_TOKEN ` +
        "(clients then send `Authorization: Bearer <token>`), or listen on 127.0.0.1",
    );
  }
  for (const origin of config.corsOrigins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ServerConfigError(`--cors-origin ${origin} is not an origin like https://app.example.com`);
    }
    if (url.origin !== origin) throw new ServerConfigError(`--cors-origin ${origin} is not an origin; did you mean ${url.origin}?`);
  }
}
