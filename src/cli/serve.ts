/** `icedit serve`: the HTTP API and the web page, with a durable job queue. */
import { resolve } from "node:path";
import { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT } from "../server/config.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandOptions } from "./parse-command.js";
import { intOption } from "./options.js";
import { formatBytes, parseMemorySize } from "../runtime/memory-size.js";
import { logText } from "../server/log-text.js";
import { DEFAULT_MODEL } from "../api/session.js";
import { KeepOptionError, parseKeep } from "../server/retention.js";
import type { RetentionPolicy } from "../server/store.js";
import { JUDGE_OPTIONS, JUDGE_OPTIONS_USAGE, judgeConfig, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, sessionOptions } from "./model-options.js";

/** Resolves on Ctrl-C or SIGTERM. */
export function untilStopped(io: CommandIO): Promise<void> {
  return new Promise<void>((done) => {
    const removeInterrupt = io.onInterrupt(() => {
      process.off("SIGTERM", onTerm);
      removeInterrupt();
      done();
    });
    const onTerm = (): void => {
      removeInterrupt();
      done();
    };
    process.once("SIGTERM", onTerm);
  });
}

export const SERVE_USAGE = `usage: icedit serve [options]

Serves the edit API (/v1/edits; OpenAI's /v1/images/edits and /v1/models too; described at
/openapi.json) and the web page (/). Jobs are kept in --data-dir and survive restarts; one
worker runs them one at a time, in order.

  --host HOST          address to listen on                         default: ${DEFAULT_HOST}
                       (anything but loopback needs a token)
  --port N             port (0: any free one; the URL is printed)   default: ${DEFAULT_PORT}
  --data-dir DIR       job records, uploads and results             default: ./icedit-data
  --token TOKEN        bearer token clients must send on /v1/* (prefer ICEDIT_TOKEN in the
                       environment: a command line is visible to other users)
  --cors-origin URL    let pages from this origin call the API (repeatable; default none)
  --queue-size N       jobs that may wait; more get 429          default: ${DEFAULT_LIMITS.maxQueued}
  --max-upload-mb N    largest image upload in MiB               default: ${DEFAULT_LIMITS.maxUploadBytes / 1024 / 1024}
  --max-pixels N       largest width x height of an input        default: ${DEFAULT_LIMITS.maxPixels}
  --max-steps N        most steps a job may ask for              default: ${DEFAULT_LIMITS.maxSteps}
  --max-width N        largest output width a job may ask for    default: ${DEFAULT_LIMITS.maxWidth}
  --min-free SIZE      free space the data dir must keep (512M, 2G; 0: no check); below it
                       /healthz answers 503               default: ${formatBytes(DEFAULT_LIMITS.minFreeBytes)}
                       (a write that finds the disk full answers 507 either way)
  --keep AGE,COUNT     remove finished jobs (record, upload, result) older than AGE (30m, 12h,
                       7d, 2w) or beyond the newest COUNT, or both (7d,1000); applied at start
                       and hourly                                default: keep everything
  --queue redis://H:P  put jobs on Redis (BullMQ) for \`icedit worker\` processes instead of
                       running them here (then no model is loaded by this process)
${MODEL_OPTIONS_USAGE}
${JUDGE_OPTIONS_USAGE}
                       (with --queue, give the model and judge options to the workers)
  -q, --quiet          print only the URL and errors
  -h, --help           this help

Prints the URL on standard output once it listens; Ctrl-C (or SIGTERM) stops it in order, and a
job that was running then runs again at the next start.`;

/** --min-free: a size, or 0 for no check. */
export function minFreeOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMITS.minFreeBytes;
  if (/^\s*0+\s*$/.test(value)) return 0;
  const bytes = parseMemorySize(value);
  if (bytes === null)
    throw new UsageError(`--min-free takes a size such as 512M, 1G or 1GiB (binary units), or 0 for no check; got "${value}"`);
  return bytes;
}

export async function serveCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const values = parseCommandOptions(
    args,
    {
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      token: { type: "string" },
      "cors-origin": { type: "string", multiple: true },
      "queue-size": { type: "string" },
      "max-upload-mb": { type: "string" },
      "max-pixels": { type: "string" },
      "max-steps": { type: "string" },
      "max-width": { type: "string" },
      "min-free": { type: "string" },
      keep: { type: "string" },
      queue: { type: "string" },
      ...MODEL_OPTIONS,
      ...JUDGE_OPTIONS,
      quiet: { type: "boolean", short: "q" },
    },
    SERVE_USAGE,
    io,
  );
  if (!values) return 0;
  const port = intOption("port", values.port, DEFAULT_PORT, 0);
  if (port > 65535) throw new UsageError(`--port takes 0 to 65535, got ${port}`);
  const queue = values.queue;
  if (queue !== undefined && !/^rediss?:\/\//.test(queue)) throw new UsageError(`--queue takes a redis://host:port URL, got "${queue}"`);
  const token = values.token ?? (process.env["ICEDIT_TOKEN"] || undefined);
  const judge = judgeConfig(values);
  if (judge && queue) throw new UsageError("with --queue the workers run the edits: give --judge to `icedit worker`");
  const dataDir = resolve(values["data-dir"] ?? "icedit-data");
  const keep = values.keep === undefined ? undefined : keepOption(values.keep);
  const quiet = values.quiet === true;
  const log = (line: string): void => {
    if (!quiet) io.err(logText(line));
  };
  // Loaded here, not at the top: the other commands need not load the HTTP and database modules.
  const { startServer } = await import("../server/server.js");
  const server = await startServer({
    host: values.host ?? DEFAULT_HOST,
    port,
    dataDir,
    token,
    corsOrigins: values["cors-origin"] ?? [],
    queue,
    keep,
    limits: {
      maxQueued: intOption("queue-size", values["queue-size"], DEFAULT_LIMITS.maxQueued, 1),
      maxUploadBytes: intOption("max-upload-mb", values["max-upload-mb"], DEFAULT_LIMITS.maxUploadBytes / 1024 / 1024, 1) * 1024 * 1024,
      maxPixels: intOption("max-pixels", values["max-pixels"], DEFAULT_LIMITS.maxPixels, 1),
      maxSteps: intOption("max-steps", values["max-steps"], DEFAULT_LIMITS.maxSteps, 1),
      maxWidth: intOption("max-width", values["max-width"], DEFAULT_LIMITS.maxWidth, 16),
      minFreeBytes: minFreeOption(values["min-free"]),
    },
    session: sessionOptions(values, (component) => log(`loading ${component}`), log),
    judge,
    log,
  });
  log(`icedit serve: data in ${dataDir}; ${queue ? `jobs go to ${queue}` : `model ${values.model ?? DEFAULT_MODEL}`}`);
  log(`icedit serve: listening on ${server.url} (Ctrl-C stops)`);
  io.out(server.url);
  await untilStopped(io);
  log("icedit serve: stopping");
  await server.close();
  return 0;
}

function keepOption(text: string): RetentionPolicy {
  try {
    return parseKeep(text);
  } catch (error) {
    if (error instanceof KeepOptionError) throw new UsageError(error.message);
    throw error;
  }
}
