/** The OpenAI-compatible routes in the OpenAPI document: POST /v1/images/edits and GET /v1/models. */
import { EDIT_DEFAULTS } from "../api/edit-defaults.js";
import type { ServerLimits } from "./config.js";
import { DEFAULT_KEEP_ALIVE } from "./held-reply.js";
import { ref, type Json } from "./openapi-json.js";
import { MAX_N } from "./openai-request.js";

const openAiError = (description: string): Json => ({ description, content: { "application/json": { schema: ref("OpenAiError") } } });

export function openAiPaths(limits: ServerLimits): Record<string, Json> {
  return {
    "/v1/images/edits": {
      post: {
        operationId: "createImageEdit",
        summary: "Edit an image, OpenAI-style (the official SDKs' images.edit)",
        description:
          "A second door to the same queue as POST /v1/edits: the request holds until its jobs are done and answers with the " +
          `images. If they are not done within ${DEFAULT_KEEP_ALIVE.firstMs / 1000} s, the 200 and its headers go out with a space, ` +
          `and a space follows every ${DEFAULT_KEEP_ALIVE.everyMs / 1000} s ` +
          "(whitespace before the JSON body, so that proxies do not cut the connection); an edit that fails after that answers " +
          "its error as the 200's body. A client that disconnects cancels its jobs. The `X-Icedit-Jobs` header names them. " +
          "Errors are `{ error: { message, type, param, code } }`.",
        requestBody: {
          required: true,
          content: { "multipart/form-data": { schema: ref("OpenAiImageEditForm") } },
        },
        responses: {
          "200": {
            description: "The edited images",
            headers: { Warning: { schema: { type: "string" }, description: "A field accepted and ignored (mask)" } },
            content: { "application/json": { schema: ref("OpenAiImagesResponse") } },
          },
          "400": openAiError("A missing, unknown or invalid field, more than one image, or a corrupt image (`param` names the field)"),
          "401": openAiError("No or a wrong bearer token (the SDKs send their API key as it)"),
          "409": openAiError("A job was cancelled through DELETE /v1/edits/{id} before it was done"),
          "413": openAiError(`The upload is over ${limits.maxUploadBytes} bytes, or the image over ${limits.maxPixels} pixels`),
          "415": openAiError("Not multipart/form-data, or not an image in a supported format"),
          "429": {
            description: `The queue has no room for the n jobs (${limits.maxQueued} may wait)`,
            headers: { "Retry-After": { schema: { type: "integer" }, description: "seconds" } },
            content: { "application/json": { schema: ref("OpenAiError") } },
          },
          "500": openAiError("The edit failed on the server"),
          "503": openAiError("The server shut down while the request waited; its jobs were cancelled"),
        },
      },
    },
    "/v1/models": {
      get: {
        operationId: "listModels",
        summary: "The model ids POST /v1/images/edits takes, OpenAI-style",
        responses: {
          "200": {
            description: "`{ object: list, data: [model] }`",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: { object: { const: "list" }, data: { type: "array", items: ref("OpenAiModel") } },
                },
              },
            },
          },
          "401": openAiError("No or a wrong bearer token"),
        },
      },
    },
    "/v1/models/{model}": {
      get: {
        operationId: "getModel",
        summary: "One model id",
        parameters: [{ name: "model", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "The model", content: { "application/json": { schema: ref("OpenAiModel") } } },
          "404": openAiError("This server runs no such model"),
        },
      },
    },
  };
}

export function openAiSchemas(limits: ServerLimits): Record<string, Json> {
  return {
    OpenAiError: {
      type: "object",
      required: ["error"],
      properties: {
        error: {
          type: "object",
          required: ["message", "type", "param", "code"],
          properties: {
            message: { type: "string", description: "What was wrong and what to do" },
            type: {
              type: "string",
              enum: [
                "invalid_request_error",
                "authentication_error",
                "permission_error",
                "not_found_error",
                "rate_limit_error",
                "server_error",
              ],
            },
            param: { type: ["string", "null"], description: "The field at fault" },
            code: { type: "string", description: "icedit's error code", examples: ["invalid_parameter", "corrupt_image", "queue_full"] },
          },
        },
      },
    },
    OpenAiImageEditForm: {
      type: "object",
      required: ["image", "prompt"],
      properties: {
        image: {
          type: "string",
          contentMediaType: "application/octet-stream",
          description: "The picture to edit (also as image[]; one only)",
        },
        prompt: { type: "string", maxLength: limits.maxInstructionChars, description: "The instruction", examples: ["make the sky green"] },
        mask: {
          type: "string",
          contentMediaType: "application/octet-stream",
          description: "Accepted and ignored (a Warning header says so)",
        },
        model: { type: "string", default: "icedit", description: "An id GET /v1/models lists: icedit, icedit-moe or icedit-lora, ..." },
        n: { type: "integer", minimum: 1, maximum: MAX_N, default: 1, description: "n jobs, on seeds seed, seed+1, ..." },
        size: {
          type: "string",
          default: "auto",
          description:
            "auto (the model's width; Kontext: the size it resizes the image to) or WxH: W is the width; for ICEdit H must be the height that keeps the input's aspect (a multiple of 16), Kontext makes W x H",
        },
        quality: {
          type: "string",
          enum: ["auto", "high", "medium", "low", "standard"],
          description: `high with n 1 on a server with a judge: one noise-selection run over ${EDIT_DEFAULTS.candidates} seeds; otherwise no effect`,
        },
        response_format: {
          type: "string",
          enum: ["b64_json", "url"],
          default: "b64_json",
          description: "url: /v1/edits/{id}/image (needs the token)",
        },
        output_format: { type: "string", enum: ["png", "jpeg", "webp"], default: "png", description: "jpeg and webp with b64_json only" },
        output_compression: { type: "integer", minimum: 0, maximum: 100, description: "JPEG/WebP quality" },
        background: { type: "string", enum: ["auto", "opaque"] },
        input_fidelity: { type: "string", enum: ["high", "low"], description: "Accepted; no effect" },
        stream: { type: "boolean", enum: [false] },
        partial_images: { type: "integer", minimum: 0, maximum: 3, description: "Accepted; no effect (no streaming)" },
        user: { type: "string", description: "Accepted; not stored" },
        seed: { type: "integer", minimum: 0, default: EDIT_DEFAULTS.seed, description: "icedit's: the first job's seed" },
        steps: { type: "integer", minimum: 1, maximum: limits.maxSteps, default: EDIT_DEFAULTS.steps, description: "icedit's" },
        guidance: { type: "number", minimum: 0, description: "icedit's (default: the model's, else 50; Kontext 2.5)" },
        method: {
          type: "string",
          enum: ["icedit", "kontext"],
          description: "icedit's: the editing method, which must be the server's model's",
        },
      },
    },
    OpenAiImagesResponse: {
      type: "object",
      required: ["created", "data"],
      properties: {
        created: { type: "integer", description: "Unix seconds" },
        data: {
          type: "array",
          items: {
            type: "object",
            properties: {
              b64_json: { type: "string" },
              url: { type: "string" },
              revised_prompt: { type: ["string", "null"], description: "The in-context prompt ICEdit built from the instruction" },
            },
          },
        },
        output_format: { type: "string" },
        size: { type: ["string", "null"] },
        background: { const: "opaque" },
        usage: {
          type: "object",
          description: "FLUX image tokens (16x16 pixels): the source halves in, the edited halves out; text is not counted",
        },
      },
    },
    OpenAiModel: {
      type: "object",
      properties: {
        id: { type: "string" },
        object: { const: "model" },
        created: { type: "integer" },
        owned_by: { const: "icedit" },
        description: { type: "string" },
      },
    },
  };
}
