/**
 * The HTTP app alone, for tests of what it answers: a real data dir and job store in a temp dir,
 * and a backend that accepts jobs and never runs them (no model is loaded). Requests go through
 * `app.inject`, so no port is opened.
 */
import type { FastifyInstance } from "fastify";
import { buildApp, type AppDeps } from "../../src/server/app.js";
import type { BackendHealth, JobBackend } from "../../src/server/backend.js";
import { DEFAULT_HOST, DEFAULT_LIMITS, type HttpConfig, type ServerLimits } from "../../src/server/config.js";
import { DataDir } from "../../src/server/data-dir.js";
import { JobEvents } from "../../src/server/events.js";
import { JobStore } from "../../src/server/store.js";

/** Accepts jobs and leaves them queued: the HTTP layer's tests need no worker. */
export class IdleBackend implements JobBackend {
  readonly noiseSelection = false;
  readonly submittedIds: string[] = [];
  constructor(private readonly detail: Readonly<Record<string, unknown>> = {}) {}
  async start(): Promise<void> {}
  async submitted(job: { id: string }): Promise<void> {
    this.submittedIds.push(job.id);
  }
  async cancelledQueued(): Promise<void> {}
  async cancelRunning(): Promise<void> {}
  progress(): undefined {
    return undefined;
  }
  health(): BackendHealth {
    return { queue: "local", ready: true, detail: this.detail };
  }
  async close(): Promise<void> {}
}

export interface AppFixtureOptions {
  readonly host?: string;
  readonly token?: string;
  readonly limits?: Partial<ServerLimits>;
  /** Replaces the data dir (e.g. a subclass whose writes fail). */
  readonly dir?: (root: string) => DataDir;
  readonly store?: (path: string) => JobStore;
  readonly freeBytes?: AppDeps["freeBytes"];
  readonly model?: AppDeps["model"];
  readonly backend?: JobBackend;
  readonly keepAlive?: AppDeps["keepAlive"];
}

export interface AppFixture {
  readonly app: FastifyInstance;
  readonly dir: DataDir;
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function appFixture(root: string, options: AppFixtureOptions = {}): Promise<AppFixture> {
  const dir = options.dir ? options.dir(root) : new DataDir(root);
  const store = options.store ? options.store(dir.database) : new JobStore(dir.database);
  const config: HttpConfig = {
    host: options.host ?? DEFAULT_HOST,
    port: 0,
    token: options.token,
    corsOrigins: [],
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  const logs: string[] = [];
  const backend = options.backend ?? new IdleBackend();
  const events = new JobEvents();
  const app = await buildApp({
    config,
    store,
    dir,
    events,
    backend,
    model: options.model ?? null,
    log: (line) => logs.push(line),
    freeBytes: options.freeBytes,
    keepAlive: options.keepAlive,
  });
  return {
    app,
    dir,
    store,
    events,
    logs,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

/** A multipart body by hand, so that tests can break it. */
export function multipartBody(boundary: string, image: Uint8Array, fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="in.png"\r\nContent-Type: image/png\r\n\r\n`),
  );
  parts.push(Buffer.from(image));
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return Buffer.concat(parts);
}
