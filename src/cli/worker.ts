/** `icedit worker --queue redis://...`: runs edit jobs that `icedit serve --queue` puts on Redis. */
import { hostname } from "node:os";
import { IceditSession } from "../api/session.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandOptions } from "./parse-command.js";
import { intOption } from "./options.js";
import { LIMIT_OPTIONS, LIMIT_OPTIONS_USAGE, limitOptions } from "./limit-options.js";
import { createJudge } from "../vlm/create.js";
import { untilStopped } from "./serve.js";
import { logText } from "../server/log-text.js";
import { JUDGE_OPTIONS, JUDGE_OPTIONS_USAGE, judgeConfig, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, sessionOptions } from "./model-options.js";

export const WORKER_USAGE = `usage: icedit worker --queue redis://HOST:PORT [options]

Takes edit jobs from the Redis queue that \`icedit serve --queue\` fills, one at a time, with the
model kept loaded, and sends progress and results back through Redis. Run one per GPU or machine.
If a worker dies, its job goes to another worker once its lock expires (once; a second death
fails the job with the reason).

  --queue URL          redis://[user:password@]host:port[/db] (rediss:// for TLS)  (required)
  --name NAME          shown in job records and logs            default: <hostname>-<pid>
${MODEL_OPTIONS_USAGE}
${JUDGE_OPTIONS_USAGE}
${LIMIT_OPTIONS_USAGE}
                       (give the workers the --max-steps and --max-width of icedit serve)
  --lock-ms N          a job's lock without renewal; a dead worker's job moves on
                       after about this long                      default: 30000
  --stalled-check-ms N how often to look for jobs of dead workers default: 15000
  -q, --quiet          print only the ready line and one line per finished job
  -h, --help           this help

Prints "ready <name>" on standard output when it takes jobs, then "done <id>" or "failed <id>"
per job. Ctrl-C (or SIGTERM) puts the running job back in the queue and stops.`;

export async function workerCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const values = parseCommandOptions(
    args,
    {
      queue: { type: "string" },
      name: { type: "string" },
      ...MODEL_OPTIONS,
      ...JUDGE_OPTIONS,
      ...LIMIT_OPTIONS,
      "lock-ms": { type: "string" },
      "stalled-check-ms": { type: "string" },
      quiet: { type: "boolean", short: "q" },
    },
    WORKER_USAGE,
    io,
  );
  if (!values) return 0;
  if (!values.queue) throw new UsageError(`--queue is required: the redis:// URL that \`icedit serve --queue\` uses\n${WORKER_USAGE}`);
  if (!/^rediss?:\/\//.test(values.queue)) throw new UsageError(`--queue takes a redis://host:port URL, got "${values.queue}"`);
  const name = values.name ?? `${hostname()}-${process.pid}`;
  const lockMs = intOption("lock-ms", values["lock-ms"], 30_000, 1000);
  const stalledCheckMs = intOption("stalled-check-ms", values["stalled-check-ms"], 15_000, 500);
  const judgeSettings = judgeConfig(values);
  const judge = judgeSettings && createJudge(judgeSettings);
  const quiet = values.quiet === true;
  const log = (line: string): void => {
    if (!quiet) io.err(logText(`${name}: ${line}`));
  };
  // Loaded here, not at the top: the other commands need not load BullMQ and the Redis client.
  const { startRemoteWorker } = await import("../server/redis/worker.js");
  const open = sessionOptions(values, (component) => log(`loading ${component}`), log);
  const session = await IceditSession.open({ ...open, limits: { ...open.limits, ...limitOptions(values) } });
  try {
    const worker = await startRemoteWorker({
      queue: values.queue,
      name,
      editor: session,
      judge,
      lockMs,
      stalledCheckMs,
      log,
      onFinished: (id, outcome) => io.out(`${outcome} ${id}`),
    });
    io.out(`ready ${name}`);
    await untilStopped(io);
    log("stopping (the running job goes back to the queue)");
    await worker.close();
  } finally {
    await session.close();
  }
  return 0;
}
