/**
 * `icedit serve` as a library call: open the data dir and its job records, the model session (for
 * the in-process worker) or the Redis queue, and the HTTP app; listen. `close()` stops in order:
 * no new requests, the running job back to the queue, the session, the records.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { IceditSession, type OpenOptions } from "../api/session.js";
import { createJudge, type JudgeConfig } from "../vlm/create.js";
import { buildApp } from "./app.js";
import type { JobBackend } from "./backend.js";
import { checkHttpConfig, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, type HttpConfig, type ServerLimits } from "./config.js";
import { DataDir } from "./data-dir.js";
import { JobEvents } from "./events.js";
import { safeLog } from "./log-text.js";
import { startRetention } from "./retention.js";
import { LocalRunner } from "./runner.js";
import { JobStore, type RetentionPolicy } from "./store.js";
import { tidyDataDir } from "./tidy-data-dir.js";

export interface ServeOptions {
  readonly host?: string;
  /** 0: any free port (the URL says which). */
  readonly port?: number;
  readonly dataDir: string;
  readonly token?: string;
  readonly corsOrigins?: readonly string[];
  readonly limits?: Partial<ServerLimits>;
  /** How the in-process worker opens the model (ignored with `queue`). */
  readonly session?: Omit<OpenOptions, "embeddingCacheDir">;
  /** The judge for noise selection in the in-process worker (undefined: jobs cannot ask for it). */
  readonly judge?: JudgeConfig;
  /** redis://host:port: jobs go to Redis for `icedit worker` processes instead of running here. */
  readonly queue?: string;
  /** Finished jobs to keep (`--keep`): applied at start and hourly (undefined: keep all). */
  readonly keep?: RetentionPolicy;
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port, with the port actually bound. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const config: HttpConfig = {
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? DEFAULT_PORT,
    token: options.token,
    corsOrigins: options.corsOrigins ?? [],
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  checkHttpConfig(config);
  const judge = options.judge && options.queue === undefined ? createJudge(options.judge) : undefined;
  const log = safeLog(options.log ?? ((): void => undefined));
  const dir = new DataDir(options.dataDir);
  dir.lock();
  const cleanup: Array<() => Promise<void> | void> = [() => dir.unlock()];
  const unwind = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    const store = new JobStore(dir.database);
    cleanup.push(() => store.close());
    await tidyDataDir(store, dir, log);
    if (options.keep) {
      const stopRetention = await startRetention(store, dir, options.keep, log);
      cleanup.push(stopRetention);
    }
    const events = new JobEvents();
    let backend: JobBackend;
    let session: IceditSession | null = null;
    if (options.queue !== undefined) {
      const { RedisBackend } = await import("./redis/backend.js");
      backend = new RedisBackend(options.queue, store, dir, events, { log, maxPixels: config.limits.maxPixels });
    } else {
      const limits = {
        ...options.session?.limits,
        maxSteps: config.limits.maxSteps,
        maxWidth: config.limits.maxWidth,
        maxPixels: config.limits.maxPixels,
      };
      session = await IceditSession.open({ ...options.session, embeddingCacheDir: dir.embeddings, limits });
      const opened = session;
      cleanup.push(() => opened.close());
      backend = new LocalRunner(store, dir, events, session, { maxPixels: config.limits.maxPixels, judge, log });
    }
    await backend.start();
    cleanup.push(() => backend.close());
    const app = await buildApp({ config, store, dir, events, backend, model: session?.model ?? null, log });
    cleanup.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${address.port}`,
      app,
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
