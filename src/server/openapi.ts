/**
 * The API described by hand as OpenAPI 3.1 (served at /openapi.json). A test checks that its
 * paths and methods are exactly the routes the server registers.
 */
import { ICEDIT_VERSION } from "../api/session.js";
import { EDIT_DEFAULTS, KONTEXT_DEFAULTS } from "../api/edit-defaults.js";
import { EDIT_METHODS } from "../api/edit-method.js";
import { CACHE_FORMS, MAX_TEXT_TOKENS } from "../api/step-cache-option.js";
import type { ServerLimits } from "./config.js";
import { ref, type Json } from "./openapi-json.js";
import { MAX_TRUE_CFG_SCALE } from "./params.js";
import { openAiPaths, openAiSchemas } from "./openapi-openai.js";

const errorReply = (description: string): Json => ({ description, content: { "application/json": { schema: ref("Error") } } });
const jobReply = (description: string): Json => ({ description, content: { "application/json": { schema: ref("Job") } } });
const idParameter: Json = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^ed_[0-9a-z]{20}$" } };

export function openApiDocument(limits: ServerLimits, tokenRequired: boolean): Json {
  const secured: Json = tokenRequired ? [{ bearer: [] }] : [{}, { bearer: [] }];
  return {
    openapi: "3.1.0",
    info: {
      title: "icedit",
      version: ICEDIT_VERSION,
      description:
        "Instruction-based image editing (ICEdit on FLUX.1 Fill). Submit an image and an instruction; the job runs in a " +
        "durable queue, one at a time per worker; follow it with Server-Sent Events and download the result. Errors are " +
        "`{ error: { code, message } }` (OpenAI's `{ error: { message, type, param, code } }` on the OpenAI-compatible " +
        "POST /v1/images/edits and GET /v1/models).",
    },
    servers: [{ url: "/" }],
    security: secured,
    paths: {
      "/v1/edits": {
        post: {
          operationId: "createEdit",
          summary: "Submit an edit job",
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: ref("EditForm"),
                encoding: { image: { contentType: "image/png, image/jpeg, image/webp, image/gif, image/tiff, image/avif" } },
              },
            },
          },
          responses: {
            "202": {
              description: "Queued. `Location` is the job's URL.",
              headers: { Location: { schema: { type: "string" } } },
              content: { "application/json": { schema: ref("Job") } },
            },
            "400": errorReply(
              "A missing, unknown or invalid field, a corrupt or empty image, or a malformed multipart body (code bad_multipart: no boundary, cut short)",
            ),
            "401": errorReply("No or a wrong bearer token"),
            "403": errorReply("A cross-origin request, or a Host that this server does not answer"),
            "413": errorReply(
              `The upload is over ${limits.maxUploadBytes} bytes, or the image header declares over ${limits.maxPixels} pixels`,
            ),
            "415": errorReply("Not multipart/form-data, or the file is not an image in a supported format (sniffed from its bytes)"),
            "429": {
              description: `The queue is full (${limits.maxQueued} jobs waiting)`,
              headers: { "Retry-After": { schema: { type: "integer" }, description: "seconds" } },
              content: { "application/json": { schema: ref("Error") } },
            },
            "501": errorReply("Noise selection was asked for (candidates >= 2) but this server has no judge (code no_judge)"),
            "507": errorReply("The server's disk is full (code insufficient_storage): nothing was kept; send it again later"),
          },
        },
        get: {
          operationId: "listEdits",
          summary: "List this server's jobs, newest first",
          parameters: [
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
            { name: "cursor", in: "query", description: "next_cursor of the previous page", schema: { type: "string" } },
            { name: "status", in: "query", schema: ref("Status") },
          ],
          responses: {
            "200": {
              description: "A page of jobs",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["items", "next_cursor"],
                    properties: { items: { type: "array", items: ref("Job") }, next_cursor: { type: ["string", "null"] } },
                  },
                },
              },
            },
            "400": errorReply("An invalid query parameter"),
          },
        },
      },
      "/v1/edits/{id}": {
        get: {
          operationId: "getEdit",
          summary: "A job: status, queue position, progress, record",
          parameters: [idParameter],
          responses: { "200": jobReply("The job"), "404": errorReply("No such job") },
        },
        delete: {
          operationId: "cancelOrRemoveEdit",
          summary:
            "Cancel a job: a queued one at once, a running one after its current step. With remove=true: remove a finished " +
            "(done, failed or cancelled) job for good, its record, upload and result",
          parameters: [
            idParameter,
            {
              name: "remove",
              in: "query",
              description:
                "true: remove the finished job and its files instead of cancelling (a queued or running job answers 409: cancel it first)",
              schema: { type: "string", enum: ["true"] },
            },
          ],
          responses: {
            "200": jobReply("Cancelled"),
            "202": jobReply("Running: it stops after the current step (cancel_requested is true)"),
            "204": { description: "remove=true: the job and its files are removed" },
            "404": errorReply("No such job"),
            "409": errorReply(
              "Cancel: already done, failed or cancelled (code already_finished). remove=true: still queued or running (code not_finished)",
            ),
          },
        },
      },
      "/v1/edits/{id}/image": {
        get: {
          operationId: "getEditImage",
          summary: "The edited image (PNG)",
          parameters: [
            idParameter,
            { name: "download", in: "query", description: "present: Content-Disposition attachment", schema: { type: "string" } },
          ],
          responses: {
            "200": { description: "The result", content: { "image/png": { schema: { type: "string", contentMediaType: "image/png" } } } },
            "404": errorReply("No such job"),
            "409": errorReply("The job is not done (queued, running, failed or cancelled)"),
            "410": errorReply("The result file is gone from the data dir"),
            "500": errorReply(
              "The result file is damaged on disk: its size or SHA-256 differs from what was written (code result_damaged)",
            ),
          },
        },
      },
      "/v1/edits/{id}/candidates": {
        get: {
          operationId: "getEditCandidates",
          summary: "Noise selection: the candidates' early previews as one image, each seed labelled, the winner framed",
          parameters: [idParameter],
          responses: {
            "200": {
              description: "The contact sheet",
              content: { "image/png": { schema: { type: "string", contentMediaType: "image/png" } } },
            },
            "404": errorReply("No such job, or it ran without noise selection"),
            "409": errorReply("The job is not done"),
            "410": errorReply("The file is gone from the data dir"),
          },
        },
      },
      "/v1/edits/{id}/source": {
        get: {
          operationId: "getEditSource",
          summary: "The uploaded image, as sent",
          parameters: [idParameter],
          responses: {
            "200": { description: "The upload, with its sniffed content type", content: { "image/*": {} } },
            "404": errorReply("No such job"),
          },
        },
      },
      "/v1/edits/{id}/events": {
        get: {
          operationId: "followEdit",
          summary: "The job's events as Server-Sent Events; the stream ends after done, failed or cancelled",
          description:
            "Events: `queued` {id, queue_position} (on connect and when the queue moves), `started` {id, attempt, worker}, " +
            "`progress` {id, stage, step, steps} (stages resize, text, prepare, denoise, decode), `warning` {id, message}, " +
            "`requeued` {id, reason}; with noise selection `comparison` {id, a, b, choice} per judge verdict and `winner` {id, seed} " +
            "(progress stages probe, early, preview, compare, winner, continue); finally `done`, `failed` or `cancelled` with the job. A client that connects late " +
            "gets the current state first.",
          parameters: [idParameter],
          responses: { "200": { description: "An event stream", content: { "text/event-stream": {} } }, "404": errorReply("No such job") },
        },
      },
      ...openAiPaths(limits),
      "/healthz": {
        get: {
          operationId: "health",
          summary: "Liveness, queue state and free space",
          description:
            "Open to all on a loopback server. Beyond loopback, a request without the bearer token gets only `status`; " +
            "with the token, the whole body (version, queue, model, running job, free space).",
          security: [{}, { bearer: [] }],
          responses: {
            "200": { description: "Ready", content: { "application/json": { schema: ref("Health") } } },
            "503": {
              description:
                "Not ready (shutting down, the queue backend is unreachable, or the data dir has less free space than --min-free)",
              content: { "application/json": { schema: ref("Health") } },
            },
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document",
          security: [{}],
          responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
        },
      },
      "/": {
        get: {
          operationId: "page",
          summary: "The web page for editing",
          security: [{}],
          responses: { "200": { description: "HTML", content: { "text/html": {} } } },
        },
      },
      "/app.js": {
        get: {
          operationId: "pageScript",
          summary: "The page's script",
          security: [{}],
          responses: { "200": { description: "JavaScript", content: { "text/javascript": {} } } },
        },
      },
      "/style.css": {
        get: {
          operationId: "pageStyle",
          summary: "The page's style sheet",
          security: [{}],
          responses: { "200": { description: "CSS", content: { "text/css": {} } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "--token or ICEDIT_TOKEN of the server; required when it listens beyond loopback",
        },
      },
      schemas: {
        ...openAiSchemas(limits),
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", examples: ["missing_instruction", "too_many_pixels", "unsupported_image", "queue_full"] },
                message: { type: "string", description: "What was wrong and what to do" },
              },
            },
          },
        },
        Status: { type: "string", enum: ["queued", "running", "done", "failed", "cancelled"] },
        EditForm: {
          type: "object",
          required: ["image", "instruction"],
          properties: {
            image: {
              type: "string",
              contentMediaType: "application/octet-stream",
              description: `PNG, JPEG, WebP, GIF, TIFF or AVIF; at most ${limits.maxUploadBytes} bytes and ${limits.maxPixels} pixels`,
            },
            instruction: { type: "string", maxLength: limits.maxInstructionChars, examples: ["make the sky green"] },
            method: {
              type: "string",
              enum: [...EDIT_METHODS],
              description:
                "The editing method (as icedit edit --method): the server's model decides it (FLUX.1 Fill: icedit, FLUX.1 Kontext [dev]: kontext); another one is refused. With remote workers, the one they run",
            },
            seed: { type: "integer", minimum: 0, default: EDIT_DEFAULTS.seed },
            steps: { type: "integer", minimum: 1, maximum: limits.maxSteps, default: EDIT_DEFAULTS.steps },
            guidance: {
              type: "number",
              minimum: 0,
              maximum: 1000,
              default: EDIT_DEFAULTS.guidance,
              description: `Distilled guidance (default: the model folder's, else ${EDIT_DEFAULTS.guidance} for ICEdit and ${KONTEXT_DEFAULTS.guidance} for Kontext)`,
            },
            true_cfg_scale: {
              type: "number",
              minimum: 1,
              maximum: MAX_TRUE_CFG_SCALE,
              default: EDIT_DEFAULTS.trueCfgScale,
              description: `ICEdit only: true classifier-free guidance (diffusers' true_cfg_scale); above 1 each step also runs on negative_prompt and follows v_neg + scale (v - v_neg), twice the time (default: the model folder's, else ${EDIT_DEFAULTS.trueCfgScale}: off)`,
            },
            negative_prompt: {
              type: "string",
              default: EDIT_DEFAULTS.negativePrompt,
              description:
                "ICEdit only: true CFG's negative prompt (with true_cfg_scale above 1); default \" \", what ICEdit's training drops the text to",
            },
            width: {
              type: "integer",
              minimum: 16,
              maximum: limits.maxWidth,
              multipleOf: 16,
              default: EDIT_DEFAULTS.width,
              description:
                "Width of the edited image; the height keeps the aspect (a multiple of 16). Kontext: default the width of the size Kontext resizes the image to (the closest preferred aspect ratio, about one megapixel)",
            },
            height: {
              type: "integer",
              minimum: 16,
              maximum: limits.maxWidth,
              multipleOf: 16,
              description: "Kontext only: height of the edited image (default: follows the width, or the resized image's)",
            },
            cache: {
              type: "string",
              default: "none",
              examples: ["fbcache", "fbcache:0.12", "teacache:0.4"],
              description: `Step caching: ${CACHE_FORMS}. A step whose transformer input barely changed reuses the blocks' last residual; the record lists the skipped steps`,
            },
            max_text_tokens: {
              type: "integer",
              minimum: 1,
              maximum: MAX_TEXT_TOKENS,
              description:
                "The T5 sequence length (default 512, or the model's shorter one); 128 or 256 run faster for a short instruction",
            },
            candidates: {
              type: "integer",
              minimum: 1,
              maximum: 64,
              default: 1,
              description:
                "Noise selection when 2 or more: seeds seed, seed+1, ... run early_steps steps, the server's judge picks one, only it runs to the end",
            },
            early_steps: {
              type: "integer",
              minimum: 1,
              default: EDIT_DEFAULTS.earlySteps,
              description: "Noise selection: steps before judging (at most steps - 1)",
            },
            judge_fallback: {
              type: "string",
              enum: ["none", "first-seed"],
              default: EDIT_DEFAULTS.judgeFallback,
              description:
                "Noise selection: first-seed lets an unreachable judge make the first seed win instead of failing the job. Other judge settings are the server operator's (400)",
            },
          },
          additionalProperties: false,
        },
        Progress: {
          type: "object",
          required: ["stage", "step", "steps"],
          properties: { stage: { type: "string" }, step: { type: "integer" }, steps: { type: "integer" } },
        },
        Job: {
          type: "object",
          required: ["id", "status", "created_at", "params", "input", "urls"],
          properties: {
            id: { type: "string" },
            status: ref("Status"),
            created_at: { type: "string", format: "date-time" },
            started_at: { type: ["string", "null"], format: "date-time" },
            finished_at: { type: ["string", "null"], format: "date-time" },
            method: {
              type: ["string", "null"],
              enum: [...EDIT_METHODS, null],
              description: "The editing method: icedit or kontext (null: remote workers say it in the record once done)",
            },
            params: {
              type: "object",
              properties: {
                instruction: { type: "string" },
                method: { type: "string", enum: [...EDIT_METHODS], description: "Absent: remote workers' model decides" },
                seed: { type: "integer" },
                steps: { type: "integer", description: "Absent: the model's default (remote workers)" },
                guidance: { type: "number", description: "Absent: the model's default" },
                trueCfgScale: { type: "number", description: "ICEdit's true CFG scale (1: off); absent: the model's default" },
                negativePrompt: { type: "string", description: "True CFG's negative prompt, when asked for" },
                width: { type: "integer", description: "Absent: the model's default (Kontext: the resized image's)" },
                height: { type: "integer", description: "Kontext: the output's height, when asked for" },
                cache: { type: "string", description: "Step caching, when asked for" },
                maxTextTokens: { type: "integer", description: "The T5 sequence length, when asked for" },
                selection: {
                  type: "object",
                  description: "Present for noise selection",
                  properties: {
                    candidates: { type: "integer" },
                    earlySteps: { type: "integer" },
                    fallback: { type: "string", enum: ["none", "first-seed"] },
                  },
                },
              },
            },
            input: {
              type: "object",
              description: "The upload as sniffed from its bytes",
              properties: {
                format: { type: "string" },
                width: { type: "integer" },
                height: { type: "integer" },
                bytes: { type: "integer" },
              },
            },
            queue_position: { type: ["integer", "null"], description: "Jobs running or waiting before this one (queued jobs)" },
            progress: { oneOf: [ref("Progress"), { type: "null" }] },
            attempts: { type: "integer", description: "How many times a worker started it" },
            interruptions: { type: "integer", description: "How many times its worker died while it ran (retried once, then failed)" },
            cancel_requested: { type: "boolean" },
            worker: { type: ["string", "null"] },
            error: { oneOf: [{ type: "null" }, { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } }] },
            warnings: { type: "array", items: { type: "string" } },
            record: {
              description: "The edit's record (as `icedit edit --json` writes it) once done; with noise selection it has the tournament",
            },
            urls: {
              type: "object",
              properties: {
                self: { type: "string" },
                events: { type: "string" },
                source: { type: "string" },
                image: { type: ["string", "null"] },
                candidates: { type: ["string", "null"], description: "Noise selection, once done" },
              },
            },
          },
        },
        Health: {
          type: "object",
          required: ["status"],
          description: "Beyond loopback without the bearer token: `status` only",
          properties: {
            status: { type: "string", enum: ["ok", "unavailable"] },
            version: { type: "string" },
            queue: { type: "string", enum: ["local", "redis"] },
            noise_selection: { type: "boolean", description: "Whether jobs may ask for noise selection (with Redis: the workers decide)" },
            jobs: { type: "object", properties: { queued: { type: "integer" }, running: { type: "integer" } } },
            model: { type: ["object", "null"] },
            method: {
              type: ["string", "null"],
              enum: [...EDIT_METHODS, null],
              description: "The model's editing method (null: remote workers)",
            },
            edit_defaults: {
              type: "object",
              description:
                "The width, guidance and true CFG scale of a request that names none: the model folder's own (icedit.json), else the method's (width null: Kontext keeps the size it resizes the image to; true_cfg_scale null: Kontext has none)",
              properties: {
                width: { type: ["integer", "null"] },
                guidance: { type: "number" },
                true_cfg_scale: { type: ["number", "null"] },
              },
            },
            storage: {
              type: "object",
              properties: {
                free_bytes: { type: ["integer", "null"], description: "Free space of the data dir's file system (null: unreadable)" },
                min_free_bytes: { type: "integer", description: "--min-free: less free space than this makes the server unavailable" },
              },
            },
            detail: { type: "object", description: "The backend's state; `storage` says what is wrong with the free space" },
          },
        },
      },
    },
  };
}
