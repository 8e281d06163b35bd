/**
 * Which editing method a model runs: ICEdit on FLUX.1 Fill [dev] (384 input channels), or FLUX.1
 * Kontext [dev] (FLUX.1 [dev]'s transformer: 64 input channels and a guidance embedder). Plain
 * FLUX.1 [dev] has the same shapes as Kontext, so shapes alone cannot tell them apart: a model is
 * taken as Kontext when its folder's model_index.json names FluxKontextPipeline, when its repo id,
 * folder or transformer file is named so (black-forest-labs/FLUX.1-Kontext-dev,
 * flux1-kontext-dev.safetensors, flux1-kontext-dev-Q8_0.gguf), or when the caller asks for it.
 */
import { InvalidArgumentError } from "../errors.js";
import type { FluxParams } from "../models/flux/params.js";
import { EDIT_METHODS, FILL_IN_CHANNELS, KONTEXT_IN_CHANNELS, type EditMethod } from "../components/icedit-models.js";

export { EDIT_METHODS, type EditMethod };

export const KONTEXT_PIPELINE_CLASS = "FluxKontextPipeline";

/** The model cannot run the method asked for, or no editing method at all. */
export class EditMethodError extends InvalidArgumentError {
  constructor(
    readonly model: string,
    message: string,
  ) {
    super(`${model}: ${message}`);
  }
}

export interface ModelClues {
  /** What the user named (repo id or folder), for messages. */
  readonly model: string;
  readonly flux: FluxParams;
  /** model_index.json's _class_name, when the folder has one. */
  readonly pipelineClass: string | null;
  /** Repo id, folder name, transformer file name: any of them with "kontext" in it marks Kontext. */
  readonly names: readonly (string | undefined)[];
}

const WHICH_EDIT =
  "editing needs FLUX.1 Fill [dev] (ICEdit: black-forest-labs/FLUX.1-Fill-dev, flux1-fill-dev.safetensors) " +
  "or FLUX.1 Kontext [dev] (black-forest-labs/FLUX.1-Kontext-dev, flux1-kontext-dev.safetensors or a GGUF of it)";

function namedKontext(clues: ModelClues): boolean {
  if (clues.pipelineClass === KONTEXT_PIPELINE_CLASS) return true;
  return clues.names.some((n) => n !== undefined && /kontext/i.test(n));
}

export function checkEditMethod(value: unknown): EditMethod {
  if (typeof value === "string" && (EDIT_METHODS as readonly string[]).includes(value)) return value as EditMethod;
  throw new InvalidArgumentError(`method must be one of ${EDIT_METHODS.join(", ")}, got ${JSON.stringify(value)}`);
}

/** The method the model runs; `requested` chooses where the model allows it, and is refused where it does not. */
export function chooseEditMethod(clues: ModelClues, requested?: EditMethod): EditMethod {
  const { flux, model } = clues;
  if (requested !== undefined) checkEditMethod(requested);
  if (flux.inChannels === FILL_IN_CHANNELS) {
    if (requested === "kontext")
      throw new EditMethodError(
        model,
        "is FLUX.1 Fill (384 input channels), which edits with ICEdit; Kontext needs FLUX.1 Kontext [dev] (64 input channels): " +
          "use --method icedit, or a Kontext model such as black-forest-labs/FLUX.1-Kontext-dev",
      );
    return "icedit";
  }
  if (flux.inChannels !== KONTEXT_IN_CHANNELS)
    throw new EditMethodError(
      model,
      `has a transformer with ${flux.inChannels} input channels, which no editing method takes; ${WHICH_EDIT}`,
    );
  if (!flux.guidanceEmbed)
    throw new EditMethodError(model, `has no guidance embedder (FLUX.1 [schnell]?), which no editing method takes; ${WHICH_EDIT}`);
  if (requested === "icedit")
    throw new EditMethodError(
      model,
      "has 64 input channels (FLUX.1 [dev] or Kontext), but ICEdit needs FLUX.1 Fill [dev] (384): use black-forest-labs/FLUX.1-Fill-dev, or --method kontext for a Kontext model",
    );
  if (requested === "kontext" || namedKontext(clues)) return "kontext";
  throw new EditMethodError(
    model,
    "has 64 input channels like FLUX.1 [dev], which does not edit, and nothing says it is FLUX.1 Kontext [dev] " +
      `(its model_index.json names no ${KONTEXT_PIPELINE_CLASS}, and neither its repo id nor its file name says Kontext). ` +
      `${WHICH_EDIT}. If this is a Kontext checkpoint under another name, pass --method kontext (method: "kontext")`,
  );
}
