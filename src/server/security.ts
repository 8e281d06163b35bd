/**
 * Request gatekeeping for every route: the Host check (a loopback server answers only requests
 * addressed to loopback, which defeats DNS rebinding), the bearer token on /v1/*, the Origin check
 * on state-changing requests (no cross-site submissions), CORS for the configured origins only,
 * and security headers on every reply.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isLoopbackHost, type HttpConfig } from "./config.js";
import { ApiError } from "./errors.js";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
  "content-security-policy":
    "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  const colon = hostHeader.lastIndexOf(":");
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** What a request's Authorization header says against the server's token. */
export type TokenCheck = "ok" | "missing" | "wrong";

/** Checks `Authorization: Bearer <token>` in constant time ("ok" for every request when the server has no token). */
export function bearerTokenCheck(token: string | undefined): (authorization: string | undefined) => TokenCheck {
  const expected = token === undefined ? undefined : digest(token);
  return (authorization) => {
    if (expected === undefined) return "ok";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return "missing";
    return timingSafeEqual(digest(match[1] ?? ""), expected) ? "ok" : "wrong";
  };
}

export function registerSecurity(app: FastifyInstance, config: HttpConfig): void {
  const checkToken = bearerTokenCheck(config.token);
  const loopbackOnly = isLoopbackHost(config.host);
  const cors = new Set(config.corsOrigins);

  const check = (request: FastifyRequest, reply: FastifyReply): void => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    const host = request.headers.host;
    if (host === undefined) throw new ApiError(400, "missing_host", "the request has no Host header");
    if (loopbackOnly && !isLoopbackHost(hostName(host))) {
      throw new ApiError(
        403,
        "bad_host",
        `this server listens on loopback and answers only requests to localhost, 127.0.0.1 or [::1], not ${JSON.stringify(host)}`,
      );
    }
    const origin = request.headers.origin;
    const allowed = origin !== undefined && cors.has(origin);
    if (allowed) {
      reply.header("access-control-allow-origin", origin);
      reply.header("vary", "Origin");
      reply.header("access-control-expose-headers", "Location, Retry-After, Warning, X-Icedit-Jobs");
    }
    if (origin !== undefined && UNSAFE_METHODS.has(request.method) && !allowed && !sameOrigin(origin, host)) {
      throw new ApiError(
        403,
        "cross_origin",
        `requests from ${origin} are not allowed; start the server with --cors-origin ${origin} to allow them`,
      );
    }
    const path = request.url.split("?")[0] ?? "";
    if (request.method !== "OPTIONS" && (path === "/v1" || path.startsWith("/v1/"))) {
      const token = checkToken(request.headers.authorization);
      if (token !== "ok") {
        const message =
          token === "wrong" ? "the bearer token is wrong" : "this server needs a bearer token: send `Authorization: Bearer <token>`";
        throw new ApiError(401, "unauthorized", message, { "www-authenticate": 'Bearer realm="icedit"' });
      }
    }
  };

  app.addHook("onRequest", async (request, reply) => check(request, reply));

  // CORS preflight: answered for the configured origins only (the others get no CORS headers).
  app.options("*", async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !cors.has(origin)) throw new ApiError(404, "not_found", "no such route");
    reply
      .header("access-control-allow-methods", "GET, POST, DELETE")
      .header("access-control-allow-headers", "Authorization, Content-Type, Last-Event-ID")
      .header("access-control-max-age", "600")
      .code(204)
      .send();
  });
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
