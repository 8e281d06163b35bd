/**
 * Runs one bench case in a child node process under a wall-clock limit. A case that hangs or
 * crashes inside native code (a GPU driver, an execution provider) takes only its own process down:
 * past the limit the child gets SIGTERM, then SIGKILL, and the caller records what happened.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";

export interface ChildOutcome {
  /** What the child wrote to its result file, or null when it wrote nothing. */
  readonly result: Record<string, unknown> | null;
  /** Why there is no result (timeout, crash, exit code and the tail of its standard error). */
  readonly error: string | null;
  readonly timedOut: boolean;
  readonly wallMs: number;
}

const STDERR_TAIL = 2000;
const KILL_GRACE_MS = 5000;

/** Runs `node script ...args`; the child writes its result as JSON to `resultPath`. */
export async function runChild(script: string, args: readonly string[], resultPath: string, limitMs: number): Promise<ChildOutcome> {
  await rm(resultPath, { force: true });
  const start = performance.now();
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  let timedOut = false;
  let kill: NodeJS.Timeout | undefined;
  const term = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
    kill = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  }, limitMs);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("error", (error) => {
      stderr += `\n${error.message}`;
      resolve({ code: null, signal: null });
    });
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(term);
  clearTimeout(kill);
  const wallMs = performance.now() - start;
  const result = await readFile(resultPath, "utf8").then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => null,
  );
  if (result && !timedOut) return { result, error: null, timedOut, wallMs };
  const how = timedOut
    ? `timed out after ${(limitMs / 1000).toFixed(1)} s`
    : exit.signal
      ? `killed by ${exit.signal}`
      : `exited with code ${exit.code}`;
  const tail = stderr.trim();
  return { result: null, error: tail ? `${how}: ${tail}` : how, timedOut, wallMs };
}
