/** What the server tests share: a demo model, tiny images, HTTP and SSE clients, child servers. */
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type DemoWeights, makeDemoModel } from "../../src/demo/make-demo-model.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { readTrainedDemo } from "../../src/demo/trained-demo.js";
import { encodeImage } from "../../src/image/index.js";
import { sharedFixture } from "../api/fixtures.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The demo model in `dir`: made once per test run and copied (sharedFixture), as the other suites share it. */
export async function demoModel(dir: string, weights: DemoWeights = "random"): Promise<string> {
  await sharedFixture(`demo-${weights}`, dir, (made) => makeDemoModel(made, { weights }));
  return dir;
}

/** A small PNG of the demo picture. */
export async function png(width = 64, height = 48): Promise<Uint8Array> {
  return encodeImage(exampleImage(width, height), "png");
}

/**
 * A 4:3 PNG at the trained demo's own edit width, and its [height, width, 3]: an edit at the model's
 * defaults comes back at the input's size.
 */
export async function pngAtDemoWidth(): Promise<{ image: Uint8Array; dims: number[] }> {
  const { width } = (await readTrainedDemo()).recipe.edit;
  const height = (width * 3) / 4;
  return { image: await png(width, height), dims: [height, width, 3] };
}

/** A PNG whose header claims width x height, with a few bytes of data: a decompression bomb's shape. */
export function pngHeaderBomb(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** Job JSON as the API answers it (the fields the tests read). */
export interface Job {
  id: string;
  status: string;
  queue_position: number | null;
  progress: { stage: string; step: number; steps: number } | null;
  attempts: number;
  interruptions: number;
  cancel_requested: boolean;
  worker: string | null;
  error: { code: string; message: string } | null;
  params: { instruction: string; seed: number; steps: number; guidance: number; width: number; cache?: string; maxTextTokens?: number };
  input: { format: string; width: number; height: number; bytes: number };
  record: { output: { width: number; height: number }; seed: number; steps: number } | null;
  urls: { self: string; events: string; source: string; image: string | null };
}

export interface ErrorReply {
  error: { code: string; message: string };
}

export async function json<T>(response: Response): Promise<Reply<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

export function authHeaders(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function submit(
  base: string,
  image: Uint8Array | null,
  fields: Record<string, string | number>,
  options: { token?: string; filename?: string; type?: string } = {},
): Promise<Reply<Job & ErrorReply>> {
  const form = new FormData();
  if (image) form.append("image", new Blob([image], { type: options.type ?? "image/png" }), options.filename ?? "in.png");
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  return json(await fetch(`${base}/v1/edits`, { method: "POST", body: form, headers: authHeaders(options.token) }));
}

export async function getJob(base: string, id: string, token?: string): Promise<Job> {
  const reply = await json<Job>(await fetch(`${base}/v1/edits/${id}`, { headers: authHeaders(token) }));
  if (reply.status !== 200) throw new Error(`GET ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Reads a job's event stream to its end (the server closes it after the final event). */
export async function followEvents(
  base: string,
  id: string,
  options: { token?: string; timeoutMs?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<SseEvent[]> {
  const response = await fetch(`${base}/v1/edits/${id}/events`, {
    headers: { accept: "text/event-stream", ...authHeaders(options.token) },
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  if (response.status !== 200 || !response.body) throw new Error(`events of ${id}: ${response.status} ${await response.text()}`);
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) throw new Error("not an event stream");
  const events: SseEvent[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      const parsed = { event, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
      events.push(parsed);
      options.onEvent?.(parsed);
    }
  }
  return events;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function waitForStatus(
  base: string,
  id: string,
  statuses: readonly string[],
  timeoutMs = 60_000,
  token?: string,
): Promise<Job> {
  return waitFor(
    `${id} to be ${statuses.join(" or ")}`,
    async () => {
      const job = await getJob(base, id, token);
      return statuses.includes(job.status) ? job : undefined;
    },
    timeoutMs,
  );
}

/** `node bin/icedit.js <args>` as a child process, with its stdout and stderr lines. */
export class Child {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly proc: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, [`${ROOT}bin/icedit.js`, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    createInterface({ input: this.proc.stdout }).on("line", (line) => this.out.push(line));
    createInterface({ input: this.proc.stderr }).on("line", (line) => this.err.push(line));
    this.exited = once(this.proc, "exit").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Waits for a stdout line that matches. */
  async line(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    return waitFor(
      `a line matching ${pattern} from icedit ${this.proc.spawnargs.slice(2, 3).join(" ")}`,
      () => {
        const found = this.out.find((l) => pattern.test(l));
        if (found !== undefined) return found;
        if (exited) throw new Error(`the process exited without printing it:\n${this.err.join("\n")}`);
        return undefined;
      },
      timeoutMs,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }

  async stop(): Promise<void> {
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** `icedit serve` in a child process on a free loopback port; resolves with its URL. */
export async function serveChild(args: readonly string[], env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const child = new Child(["serve", "--port", "0", ...args], env);
  const url = await child.line(/^http:\/\//);
  return { child, url };
}

/** Installs Debian packages the tests need when missing (scripts/test-setup). */
export function ensureDebianPackages(...packages: string[]): void {
  execFileSync(`${ROOT}scripts/test-setup/ensure-debian-packages.sh`, packages, {
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 15 * 60_000,
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A request through node:http, which (unlike fetch) sends any Host and Origin headers. */
export async function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<Reply<string>> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A free TCP port on loopback (free now; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
