/** `icedit worker --queue redis://...`: runs edit jobs that `icedit serve --queue` puts on Redis. */
import { parseArgs } from "node:util";
import { hostname } from "node:os";
import { DEFAULT_MODEL, IceditSession } from "../api/session.js";
import type { ExecutionProvider } from "../runtime/protocol.js";
import { UsageError, type CommandIO } from "./io.js";
import { choiceOption, intOption } from "./options.js";

export const WORKER_USAGE = `usage: icedit worker --queue redis://HOST:PORT [options]

Takes edit jobs from the Redis queue that \`icedit serve --queue\` fills, one at a time, with the
model kept loaded, and sends progress and results back through Redis. Run one per GPU or machine.
If a worker dies, its job goes to another worker once its lock expires (once; a second death
fails the job with the reason).

  --queue URL          redis://[user:password@]host:port[/db] (rediss:// for TLS)  (required)
  --name NAME          shown in job records and logs            default: <hostname>-<pid>
  --model ID|PATH      Hugging Face repo id or a folder           default: ${DEFAULT_MODEL}
  --revision REV       hub revision of --model
  --transformer FILE   a transformer file instead of the folder's
  --vae FILE           a VAE file instead of the folder's
  --device D           cpu, cuda or webgpu                        default: cpu
  --threads N          CPU threads (0: one per core)              default: 0
  --offline            use only local folders and the Hugging Face cache
  --lock-ms N          a job's lock without renewal; a dead worker's job moves on
                       after about this long                      default: 30000
  --stalled-check-ms N how often to look for jobs of dead workers default: 15000
  -q, --quiet          print only the ready line and one line per finished job
  -h, --help           this help

Prints "ready <name>" on standard output when it takes jobs, then "done <id>" or "failed <id>"
per job. Ctrl-C (or SIGTERM) puts the running job back in the queue and stops.`;

export async function workerCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      queue: { type: "string" },
      name: { type: "string" },
      model: { type: "string" },
      revision: { type: "string" },
      transformer: { type: "string" },
      vae: { type: "string" },
      device: { type: "string" },
      threads: { type: "string" },
      offline: { type: "boolean" },
      "lock-ms": { type: "string" },
      "stalled-check-ms": { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(WORKER_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (options start with --)\n${WORKER_USAGE}`);
  if (!values.queue) throw new UsageError(`--queue is required: the redis:// URL that \`icedit serve --queue\` uses\n${WORKER_USAGE}`);
  if (!/^rediss?:\/\//.test(values.queue)) throw new UsageError(`--queue takes a redis://host:port URL, got "${values.queue}"`);
  const name = values.name ?? `${hostname()}-${process.pid}`;
  const lockMs = intOption("lock-ms", values["lock-ms"], 30_000, 1000);
  const stalledCheckMs = intOption("stalled-check-ms", values["stalled-check-ms"], 15_000, 500);
  const quiet = values.quiet === true;
  const log = (line: string): void => {
    if (!quiet) io.err(`${name}: ${line}`);
  };
  // Loaded here, not at the top: the other commands need not load BullMQ and the Redis client.
  const { startRemoteWorker } = await import("../server/redis/worker.js");
  const session = await IceditSession.open({
    model: values.model,
    revision: values.revision,
    transformer: values.transformer,
    vae: values.vae,
    download: values.offline ? false : undefined,
    device: choiceOption<ExecutionProvider>("device", values.device, "cpu", ["cpu", "cuda", "webgpu"]),
    threads: intOption("threads", values.threads, 0, 0),
    onLoad: (component) => log(`loading ${component}`),
  });
  try {
    const worker = await startRemoteWorker({
      queue: values.queue,
      name,
      editor: session,
      lockMs,
      stalledCheckMs,
      log,
      onFinished: (id, outcome) => io.out(`${outcome} ${id}`),
    });
    io.out(`ready ${name}`);
    await new Promise<void>((done) => {
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
    log("stopping (the running job goes back to the queue)");
    await worker.close();
  } finally {
    await session.close();
  }
  return 0;
}
