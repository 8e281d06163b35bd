/** GET /v1/models and /v1/models/{model}: what the OpenAI-compatible image route can run, in OpenAI's shape. */
import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.js";
import { openAiModel, type ServedModel } from "../openai-models.js";

export interface ModelRoutesDeps {
  readonly served: readonly ServedModel[];
  /** Unix seconds: when the server started. */
  readonly created: number;
}

export function registerModelRoutes(app: FastifyInstance, deps: ModelRoutesDeps): void {
  const models = deps.served.map((m) => openAiModel(m, deps.created));

  app.get("/v1/models", async () => ({ object: "list", data: models }));

  app.get<{ Params: { model: string } }>("/v1/models/:model", async (request) => {
    const found = models.find((m) => m.id === request.params.model);
    if (!found) {
      const known = models.map((m) => m.id).join(", ");
      throw new ApiError(404, "model_not_found", `no model ${JSON.stringify(request.params.model)} on this server; it runs ${known}`);
    }
    return found;
  });
}
