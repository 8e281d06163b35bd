/** The /v1/edits routes: submit, list, read, follow, download, cancel. */
import { createReadStream } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { JobBackend } from "../backend.js";
import type { ServerLimits } from "../config.js";
import { cancelJob } from "../cancel-job.js";
import { CONTENT_TYPES, type DataDir } from "../data-dir.js";
import { ApiError } from "../errors.js";
import type { JobEvents } from "../events.js";
import { isJobId } from "../ids.js";
import { isTerminal, type JobRow, type JobStatus } from "../job.js";
import { jobUrl, jobView, type JobView } from "../job-view.js";
import { parseEditParams, type ServedEdit } from "../params.js";
import { readCheckedResult, ResultDamagedError } from "../result-file.js";
import { removeJob } from "../retention.js";
import { streamJobEvents } from "../sse.js";
import type { JobStore } from "../store.js";
import { submitJobs } from "../submit-jobs.js";
import { inspectImage, readUpload } from "../upload.js";

export interface EditRoutesDeps {
  readonly store: JobStore;
  readonly dir: DataDir;
  readonly events: JobEvents;
  readonly backend: JobBackend;
  readonly limits: ServerLimits;
  /** Open SSE streams, ended when the server closes. */
  readonly streams: Set<() => void>;
  /** The local worker's model (its method and folder defaults decide what a request leaves out); null: remote workers. */
  readonly served: ServedEdit;
}

interface IdParams {
  id: string;
}

const STATUSES: readonly JobStatus[] = ["queued", "running", "done", "failed", "cancelled"];
const MAX_PAGE = 100;

export function registerEditRoutes(app: FastifyInstance, deps: EditRoutesDeps): void {
  const { store, dir, events, backend, limits } = deps;

  const view = (job: JobRow): JobView =>
    jobView(job, {
      position: job.status === "queued" ? store.jobsAhead(job) : undefined,
      progress: job.status === "running" ? backend.progress(job.id) : undefined,
    });

  const find = (id: string): JobRow => {
    const job = isJobId(id) ? store.get(id) : undefined;
    if (!job) throw new ApiError(404, "not_found", `no edit job ${JSON.stringify(id)} on this server`);
    return job;
  };

  app.post("/v1/edits", async (request, reply) => {
    const upload = await readUpload(request);
    const params = parseEditParams(upload.fields, limits, backend, deps.served);
    const input = await inspectImage(upload.image, limits);
    const [job] = (await submitJobs(deps, upload.image, input, [params])) as [JobRow];
    return reply
      .code(202)
      .header("location", jobUrl(job.id))
      .send(view(store.get(job.id) ?? job));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>("/v1/edits", async (request) => {
    const query = request.query;
    const limit = query["limit"] === undefined ? 20 : Number(query["limit"]);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ApiError(
        400,
        "invalid_parameter",
        `limit: takes a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(query["limit"])}`,
      );
    }
    const cursor = query["cursor"];
    const before = cursor === undefined ? undefined : Number(cursor);
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) {
      throw new ApiError(400, "invalid_parameter", `cursor: pass the next_cursor of the previous page, got ${JSON.stringify(cursor)}`);
    }
    const status = query["status"];
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new ApiError(400, "invalid_parameter", `status: takes one of ${STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
    }
    const jobs = store.list({ limit: limit + 1, before, status: status as JobStatus | undefined });
    const page = jobs.slice(0, limit);
    const next = jobs.length > limit ? String(page[page.length - 1]?.seq) : null;
    return { items: page.map(view), next_cursor: next };
  });

  app.get<{ Params: IdParams }>("/v1/edits/:id", async (request) => view(find(request.params.id)));

  app.get<{ Params: IdParams; Querystring: { download?: string } }>("/v1/edits/:id/image", async (request, reply) => {
    const job = find(request.params.id);
    if (job.status !== "done") {
      const why =
        job.status === "failed"
          ? `it failed: ${job.error?.message ?? "unknown reason"}`
          : job.status === "cancelled"
            ? "it was cancelled"
            : `it is ${job.status}; follow ${jobUrl(job.id)}/events to know when it is done`;
      throw new ApiError(409, "not_ready", `edit ${job.id} has no result: ${why}`);
    }
    if (!dir.hasResult(job.id)) throw new ApiError(410, "result_missing", `the result of ${job.id} is gone from the server's data dir`);
    const disposition = request.query.download === undefined ? "inline" : "attachment";
    const bytes = await readCheckedResult(dir.resultPath(job.id), job.result).catch((error: unknown) => {
      if (!(error instanceof ResultDamagedError)) throw error;
      request.log.error(error.message);
      const message = `the result of ${job.id} is damaged in the server's data dir (its size or checksum changed); submit the edit again`;
      throw new ApiError(500, "result_damaged", message);
    });
    return sendFile(reply, bytes, "image/png", `${disposition}; filename="${job.id}.png"`);
  });

  app.get<{ Params: IdParams }>("/v1/edits/:id/candidates", async (request, reply) => {
    const job = find(request.params.id);
    if (!job.params.selection) throw new ApiError(404, "no_candidates", `edit ${job.id} ran without noise selection: it has no candidates`);
    if (job.status !== "done")
      throw new ApiError(409, "not_ready", `edit ${job.id} is ${job.status}; its candidates are shown once it is done`);
    if (!dir.hasCandidates(job.id))
      throw new ApiError(410, "result_missing", `the candidates of ${job.id} are gone from the server's data dir`);
    return sendFile(reply, dir.candidatesPath(job.id), "image/png", `inline; filename="${job.id}-candidates.png"`);
  });

  app.get<{ Params: IdParams }>("/v1/edits/:id/source", async (request, reply) => {
    const job = find(request.params.id);
    const type = CONTENT_TYPES[job.input.format] ?? "application/octet-stream";
    return sendFile(reply, dir.inputPath(job.id, job.input.format), type, `inline; filename="${job.id}-source"`);
  });

  app.get<{ Params: IdParams }>("/v1/edits/:id/events", async (request, reply) => {
    const job = find(request.params.id);
    streamJobEvents(request, reply, job, { store, events, view, open: deps.streams });
  });

  app.delete<{ Params: IdParams; Querystring: { remove?: string } }>("/v1/edits/:id", async (request, reply) => {
    const job = find(request.params.id);
    if (request.query.remove === "true") {
      const outcome = await removeJob(store, dir, job.id, Date.now());
      if (outcome === "unfinished") {
        const cancel = `cancel it first (DELETE ${jobUrl(job.id)} without remove=true), then remove it once it is cancelled`;
        throw new ApiError(409, "not_finished", `edit ${job.id} is queued or running; ${cancel}`);
      }
      if (outcome === "missing") throw new ApiError(404, "not_found", `no edit job ${JSON.stringify(job.id)} on this server`);
      return reply.code(204).send();
    }
    if (isTerminal(job.status)) {
      const remove = `DELETE ${jobUrl(job.id)}?remove=true removes it`;
      throw new ApiError(409, "already_finished", `edit ${job.id} is already ${job.status}; there is nothing to cancel (${remove})`);
    }
    const now = await cancelJob(deps, job);
    return reply.code(isTerminal(now.status) ? 200 : 202).send(view(now));
  });
}

function sendFile(reply: FastifyReply, file: string | Buffer, type: string, disposition: string): FastifyReply {
  return reply
    .header("content-type", type)
    .header("content-disposition", disposition)
    .header("cache-control", "private, max-age=31536000, immutable")
    .send(typeof file === "string" ? createReadStream(file) : file);
}
