/**
 * The model ids the OpenAI-compatible routes answer to. The server runs one model with the
 * adapters it opened (ICEdit on FLUX.1 Fill, or FLUX.1 Kontext), so the ids are names for what it runs: `icedit` always; `icedit-moe` when its
 * adapter is a LoRA-MoE, `icedit-lora` when it is a plain LoRA; and the base model's Hugging Face
 * repo id when it came from the hub (never a local path). With remote workers (`--queue`) the
 * front end does not know their model: only `icedit`.
 */
import type { ModelIdentity } from "../api/session.js";
import { ApiError } from "./errors.js";

export const DEFAULT_MODEL_ID = "icedit";

export interface ServedModel {
  readonly id: string;
  /** What the id runs, for people reading /v1/models. */
  readonly description: string;
}

export function servedModels(model: ModelIdentity | null): ServedModel[] {
  if (model === null) return [{ id: DEFAULT_MODEL_ID, description: "ICEdit on the model the queue's workers run" }];
  const adapters = model.adapters.map((a) => `${a.kind} ${a.name}`).join(", ") || "no adapter";
  const base =
    model.method === "kontext"
      ? `FLUX.1 Kontext on ${model.repoId ?? "a local FLUX.1 Kontext [dev] folder"} with ${adapters}`
      : `ICEdit on ${model.repoId ?? "a local FLUX.1 Fill folder"} with ${adapters}`;
  const served: ServedModel[] = [{ id: DEFAULT_MODEL_ID, description: base }];
  if (model.adapters.some((a) => a.kind === "moe-lora")) served.push({ id: "icedit-moe", description: base });
  else if (model.adapters.some((a) => a.kind === "lora")) served.push({ id: "icedit-lora", description: base });
  if (model.repoId !== undefined) served.push({ id: model.repoId, description: base });
  return served;
}

/** The id a request names (absent or empty: `icedit`), checked against what the server runs. */
export function resolveModelId(requested: string | undefined, served: readonly ServedModel[]): string {
  const id = requested?.trim() || DEFAULT_MODEL_ID;
  if (served.some((m) => m.id === id)) return id;
  const known = served.map((m) => m.id).join(", ");
  throw new ApiError(400, "model_not_found", `model: this server runs ${known}, not ${JSON.stringify(id)} (GET /v1/models lists them)`);
}

/** A model as OpenAI's GET /v1/models lists it. */
export interface OpenAiModel {
  readonly id: string;
  readonly object: "model";
  /** Unix seconds: when this server opened the model. */
  readonly created: number;
  readonly owned_by: "icedit";
  readonly description: string;
}

export function openAiModel(model: ServedModel, created: number): OpenAiModel {
  return { id: model.id, object: "model", created, owned_by: "icedit", description: model.description };
}
