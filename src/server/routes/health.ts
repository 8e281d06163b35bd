/**
 * GET /healthz: ready or not, for load balancers and people. On loopback, and with the bearer
 * token, the whole state (version, queue, model, its editing method, the edit defaults, running job, free space); beyond loopback without
 * the token, only `{ "status" }`: the model's path and the job ids are not for anyone who asks.
 */
import type { FastifyInstance } from "fastify";
import { methodEditDefaults } from "../../api/method-defaults.js";
import { ICEDIT_VERSION, type ModelIdentity } from "../../api/session.js";
import type { JobBackend } from "../backend.js";
import { isLoopbackHost, type HttpConfig } from "../config.js";
import type { DataDir } from "../data-dir.js";
import { storageHealth, type FreeBytes } from "../free-space.js";
import { bearerTokenCheck } from "../security.js";
import type { JobStore } from "../store.js";

export interface HealthRouteDeps {
  readonly config: HttpConfig;
  readonly store: JobStore;
  readonly dir: DataDir;
  readonly backend: JobBackend;
  readonly model: ModelIdentity | null;
  readonly freeBytes: FreeBytes;
}

export function registerHealthRoute(app: FastifyInstance, deps: HealthRouteDeps): void {
  const { config, store, backend } = deps;
  const checkToken = bearerTokenCheck(config.token);
  const open = isLoopbackHost(config.host);

  app.get("/healthz", async (request, reply) => {
    const health = backend.health();
    const storage = await storageHealth(deps.dir.root, config.limits.minFreeBytes, deps.freeBytes);
    const ready = health.ready && storage.problem === undefined;
    const status = ready ? "ok" : "unavailable";
    reply.code(ready ? 200 : 503);
    if (!open && checkToken(request.headers.authorization) !== "ok") return reply.send({ status });
    // Remote workers: their model is not known here; ICEdit's defaults, as the page has always sent them.
    const defaults = methodEditDefaults(deps.model?.method ?? "icedit", deps.model?.editDefaults);
    return reply.send({
      status,
      version: ICEDIT_VERSION,
      queue: health.queue,
      noise_selection: backend.noiseSelection,
      jobs: { queued: store.countByStatus("queued"), running: store.countByStatus("running") },
      model: deps.model && { spec: deps.model.spec, from: deps.model.from },
      method: deps.model?.method ?? null,
      // width null: Kontext's output keeps the size it resizes the image to (about one megapixel).
      edit_defaults: { width: defaults.width ?? null, guidance: defaults.guidance, true_cfg_scale: defaults.trueCfgScale ?? null },
      storage: { free_bytes: storage.free_bytes, min_free_bytes: storage.min_free_bytes },
      detail: storage.problem === undefined ? health.detail : { ...health.detail, storage: storage.problem },
    });
  });
}
