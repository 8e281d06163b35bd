/**
 * GET /v1/edits/{id}/events: the job's life as Server-Sent Events. On connect the client gets the
 * current state (so a late or reconnecting client misses nothing that matters), then each event as
 * it happens, and the stream ends after the final one (done, failed or cancelled).
 *
 *   queued     { id, queue_position }            on connect and whenever the queue moves
 *   started    { id, attempt, worker }
 *   progress   { id, stage, step, steps }        stages: resize, text, prepare, denoise, decode
 *   warning    { id, message }
 *   comparison { id, a, b, choice }              noise selection: seed a vs seed b; choice 1 (a stays), 2 (b wins), null (a tie)
 *   winner     { id, seed }                      noise selection: the seed that runs to the end
 *   requeued   { id, reason }
 *   done | failed | cancelled                     the job, as GET /v1/edits/{id} answers it
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { JobEvents } from "./events.js";
import { isTerminal, type JobRow } from "./job.js";
import type { JobView } from "./job-view.js";
import type { JobStore } from "./store.js";

const HEARTBEAT_MS = 15_000;

export interface SseDeps {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly view: (job: JobRow) => JobView;
  /** Open streams, ended when the server closes. */
  readonly open: Set<() => void>;
}

export function streamJobEvents(request: FastifyRequest, reply: FastifyReply, job: JobRow, deps: SseDeps): void {
  const { store, events } = deps;
  const id = job.id;
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = String(value);
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let counter = 0;
  let closed = false;
  let lastPosition: number | undefined;
  const send = (event: string, data: unknown): void => {
    if (!closed) res.write(`id: ${++counter}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const heartbeat = setInterval(() => {
    if (!closed) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    unsubscribeQueue();
    deps.open.delete(close);
    res.end();
  };
  const sendPosition = (): void => {
    const now = store.get(id);
    if (now?.status !== "queued") return;
    const position = store.jobsAhead(now);
    if (position !== lastPosition) send("queued", { id, queue_position: position });
    lastPosition = position;
  };
  const finish = (final: JobRow): void => {
    send(final.status, deps.view(final));
    close();
  };

  // Subscribe before reading the snapshot: both happen in this tick, so nothing falls between.
  const unsubscribe = events.subscribe(id, (event) => {
    switch (event.type) {
      case "started":
        send("started", { id, attempt: event.attempt, worker: event.worker });
        break;
      case "progress":
        send("progress", { id, ...event.progress });
        break;
      case "warning":
        send("warning", { id, message: event.message });
        break;
      case "comparison":
        send("comparison", { id, a: event.a, b: event.b, choice: event.choice });
        break;
      case "winner":
        send("winner", { id, seed: event.seed });
        break;
      case "requeued":
        lastPosition = undefined;
        send("requeued", { id, reason: event.reason });
        break;
      case "finished":
        finish(event.job);
        break;
    }
  });
  const unsubscribeQueue = events.onQueueMoved(sendPosition);
  deps.open.add(close);
  request.raw.on("close", close);

  res.write("retry: 3000\n\n");
  const snapshot = store.get(id) ?? job;
  if (isTerminal(snapshot.status)) {
    finish(snapshot);
  } else if (snapshot.status === "queued") {
    sendPosition();
  } else {
    send("started", { id, attempt: snapshot.attempts, worker: snapshot.worker });
    const view = deps.view(snapshot);
    if (view.progress) send("progress", { id, ...view.progress });
  }
}
