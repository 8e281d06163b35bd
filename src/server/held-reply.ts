/**
 * A reply held open while a job runs, kept alive for proxies: if the answer is not ready after
 * `firstMs`, the status (200) and headers go out with a space, then a space every `everyMs`
 * (leading whitespace is valid before a JSON body), so that no proxy cuts an idle connection.
 * Once the headers are out the status cannot change: a later error is sent as its JSON body.
 */
import type { FastifyReply } from "fastify";

export interface KeepAliveTiming {
  readonly firstMs: number;
  readonly everyMs: number;
}

export const DEFAULT_KEEP_ALIVE: KeepAliveTiming = { firstMs: 10_000, everyMs: 10_000 };

export class HeldReply {
  private committed = false;
  private ended = false;
  private readonly first: NodeJS.Timeout;
  private every: NodeJS.Timeout | undefined;

  constructor(
    private readonly reply: FastifyReply,
    private readonly timing: KeepAliveTiming,
  ) {
    this.first = setTimeout(() => this.commit(), timing.firstMs);
    this.first.unref();
  }

  /** Whether the status and headers are already sent (the answer's status is then 200). */
  get headersSent(): boolean {
    return this.committed;
  }

  private commit(): void {
    if (this.ended || this.committed) return;
    this.committed = true;
    this.reply.hijack();
    const res = this.reply.raw;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) headers[name] = String(value);
    res.writeHead(200, {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    res.write(" ");
    this.every = setInterval(() => res.write(" "), this.timing.everyMs);
    this.every.unref();
  }

  /** Sends the answer (its status only counts while the headers are not out yet). */
  send(status: number, body: unknown): void {
    if (this.ended) return;
    this.stop();
    if (!this.committed) {
      void this.reply.code(status).send(body);
      return;
    }
    this.reply.raw.end(JSON.stringify(body));
  }

  /** The client is gone: stop writing, and end whatever was started. */
  abandon(): void {
    if (this.ended) return;
    this.stop();
    if (!this.committed) this.reply.hijack();
    this.reply.raw.destroy();
  }

  /** Stops the keep-alive without answering: the caller answers through the reply (only while the headers are not out). */
  release(): void {
    this.stop();
  }

  private stop(): void {
    this.ended = true;
    clearTimeout(this.first);
    clearInterval(this.every);
  }
}
