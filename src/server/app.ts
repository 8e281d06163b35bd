/** The HTTP app: fastify with the multipart parser, the security hooks, the routes and the page. */
import Fastify, { type FastifyInstance } from "fastify";
import multipart from "@fastify/multipart";
import type { ModelIdentity } from "../api/session.js";
import type { JobBackend } from "./backend.js";
import type { HttpConfig } from "./config.js";
import type { DataDir } from "./data-dir.js";
import { toApiError } from "./errors.js";
import { errorBodyFor } from "./openai-errors.js";
import type { JobEvents } from "./events.js";
import { statfsFreeBytes, type FreeBytes } from "./free-space.js";
import { openApiDocument } from "./openapi.js";
import { registerEditRoutes } from "./routes/edits.js";
import { registerHealthRoute } from "./routes/health.js";
import { registerOpenAiImageRoutes } from "./routes/openai-images.js";
import { registerModelRoutes } from "./routes/openai-models.js";
import { servedModels } from "./openai-models.js";
import { DEFAULT_KEEP_ALIVE, type KeepAliveTiming } from "./held-reply.js";
import { registerSecurity } from "./security.js";
import type { JobStore } from "./store.js";
import { registerWeb } from "./web.js";

export interface AppDeps {
  readonly config: HttpConfig;
  readonly store: JobStore;
  readonly dir: DataDir;
  readonly events: JobEvents;
  readonly backend: JobBackend;
  /** The model the local worker runs (null: remote workers). */
  readonly model: ModelIdentity | null;
  readonly log: (line: string) => void;
  /** How /healthz reads the data dir's free space (default: statfs). */
  readonly freeBytes?: FreeBytes;
  /** When a held POST /v1/images/edits sends its headers and then a space (default: DEFAULT_KEEP_ALIVE). */
  readonly keepAlive?: KeepAliveTiming;
}

/** Text fields are short; a form with more of them than this is not an edit. */
const MAX_FIELDS = 24;
const MAX_FIELD_BYTES = 8 * 1024;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, backend } = deps;
  const { limits } = config;
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024, // the only bodies are multipart forms, bounded by the multipart limits below
    requestTimeout: 120_000, // a whole request (an upload) must arrive within 2 minutes
    return503OnClosing: true,
    routerOptions: { maxParamLength: 64 },
  });
  await app.register(multipart, {
    limits: {
      fileSize: limits.maxUploadBytes,
      files: 1,
      fields: MAX_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
      fieldNameSize: 64,
      parts: MAX_FIELDS + 1,
      headerPairs: 32,
    },
  });

  app.setErrorHandler(async (error, request, reply) => {
    const api = toApiError(error, limits);
    if (!api) {
      // A server fault: its stack, one log line per frame (log lines are escaped and hold no line breaks).
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      for (const line of `error in ${request.method} ${request.url}: ${text}`.split("\n")) deps.log(line);
      return reply.code(500).send(errorBodyFor(request.url, 500, "internal", "the server failed to handle the request; its log says why"));
    }
    if (api.status >= 500) deps.log(`${request.method} ${request.url}: ${api.status} ${api.code}: ${api.message}`);
    for (const [name, value] of Object.entries(api.headers)) reply.header(name, value);
    return reply.code(api.status).send(errorBodyFor(request.url, api.status, api.code, api.message));
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(errorBodyFor(request.url, 404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}; see /openapi.json`)),
  );

  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const close of [...streams]) close();
  });

  registerSecurity(app, config);
  const served = servedModels(deps.model);
  registerEditRoutes(app, {
    store,
    dir: deps.dir,
    events: deps.events,
    backend,
    limits,
    streams,
    served: deps.model,
  });

  registerOpenAiImageRoutes(app, {
    store,
    dir: deps.dir,
    events: deps.events,
    backend,
    limits,
    streams,
    served,
    servedEdit: deps.model,
    keepAlive: deps.keepAlive ?? DEFAULT_KEEP_ALIVE,
    log: deps.log,
  });
  registerModelRoutes(app, { served, created: Math.floor(Date.now() / 1000) });

  const document = openApiDocument(limits, config.token !== undefined);
  app.get("/openapi.json", async () => document);

  registerHealthRoute(app, { config, store, dir: deps.dir, backend, model: deps.model, freeBytes: deps.freeBytes ?? statfsFreeBytes });

  registerWeb(app);
  return app;
}
