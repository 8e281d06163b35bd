/**
 * POST /v1/images/edits: OpenAI's image-edit request, as the official SDKs send it, as a second
 * door to the same queue. The form is translated into icedit's edit parameters, the jobs are
 * submitted as POST /v1/edits submits them, and the request holds (kept alive for proxies) until
 * they are finished; then it answers in OpenAI's shape. A client that goes away cancels its jobs,
 * and so does a server that shuts down meanwhile (its answer then is a 503).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { awaitJobs } from "../await-jobs.js";
import { cancelJob } from "../cancel-job.js";
import { HeldReply, type KeepAliveTiming } from "../held-reply.js";
import { isTerminal, type JobRow } from "../job.js";
import { openAiErrorBody } from "../openai-errors.js";
import type { ServedModel } from "../openai-models.js";
import { jobParams, OPENAI_IMAGE_FORM, parseOpenAiEdit } from "../openai-request.js";
import type { ServedEdit } from "../params.js";
import { jobFailure, openAiImagesResponse } from "../openai-response.js";
import { submitJobs, type SubmitDeps } from "../submit-jobs.js";
import { inspectImage, readForm } from "../upload.js";

export interface OpenAiImageRoutesDeps extends SubmitDeps {
  readonly served: readonly ServedModel[];
  /** The local worker's model (null: remote workers). */
  readonly servedEdit: ServedEdit;
  readonly keepAlive: KeepAliveTiming;
  readonly log: (line: string) => void;
  /** Open held requests, ended when the server closes. */
  readonly streams: Set<() => void>;
}

type Outcome = { readonly kind: "finished"; readonly jobs: JobRow[] } | { readonly kind: "gone" } | { readonly kind: "closing" };

export function registerOpenAiImageRoutes(app: FastifyInstance, deps: OpenAiImageRoutesDeps): void {
  const { store, backend, limits } = deps;

  app.post("/v1/images/edits", async (request, reply) => {
    const form = await readForm(request, OPENAI_IMAGE_FORM);
    const edit = parseOpenAiEdit(form, { limits, support: backend, servedEdit: deps.servedEdit, served: deps.served });
    const input = await inspectImage(edit.image, limits);
    const jobs = await submitJobs(deps, edit.image, input, jobParams(edit, input));
    for (const warning of edit.warnings) reply.header("warning", `299 icedit "${warning.replaceAll('"', "'")}"`);
    reply.header("x-icedit-jobs", jobs.map((j) => j.id).join(", "));

    const held = new HeldReply(reply, deps.keepAlive);
    const outcome = await untilFinished(request, reply, deps, jobs);
    const cancelAll = async (): Promise<void> => {
      for (const job of jobs) {
        const now = store.get(job.id);
        if (now && !isTerminal(now.status)) await cancelJob(deps, now);
      }
    };
    if (outcome.kind === "gone") {
      held.abandon();
      await cancelAll();
      return reply;
    }
    if (outcome.kind === "closing") {
      await cancelAll();
      const message = "the server is shutting down: this request's edits were cancelled; send it again once the server is back";
      held.send(503, openAiErrorBody(503, "shutting_down", message));
      return reply;
    }
    const failure = outcome.jobs.map(jobFailure).find((f) => f !== undefined);
    if (failure) {
      held.send(failure.status, openAiErrorBody(failure.status, failure.code, failure.message));
      return reply;
    }
    const origin = `${request.protocol}://${request.host}`;
    const options = { responseFormat: edit.responseFormat, outputFormat: edit.outputFormat, quality: edit.quality, origin };
    try {
      held.send(200, await openAiImagesResponse(outcome.jobs, deps.dir, options));
    } catch (error) {
      if (!held.headersSent) {
        held.release();
        throw error; // the app's error handler answers
      }
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      for (const line of `error in ${request.method} ${request.url} after its headers: ${text}`.split("\n")) deps.log(line);
      held.send(500, openAiErrorBody(500, "internal", "the edits are done, but their answer failed; the server's log says why"));
    }
    return reply;
  });
}

/** Waits until the jobs are finished, the client goes away, or the server closes, whichever comes first. */
async function untilFinished(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: OpenAiImageRoutesDeps,
  jobs: readonly JobRow[],
): Promise<Outcome> {
  const wait = awaitJobs(
    deps.store,
    deps.events,
    jobs.map((j) => j.id),
  );
  let close: (() => void) | undefined;
  try {
    return await new Promise<Outcome>((resolve) => {
      const gone = (): void => {
        if (!reply.raw.writableEnded) resolve({ kind: "gone" });
      };
      reply.raw.on("close", gone);
      if (request.raw.socket.destroyed) gone(); // it went while the jobs were being stored
      close = () => resolve({ kind: "closing" });
      deps.streams.add(close);
      void wait.finished.then((finished) => resolve({ kind: "finished", jobs: finished }));
    });
  } finally {
    if (close) deps.streams.delete(close);
    wait.stop();
  }
}
