/**
 * Typed errors for adapter (LoRA / MoE-LoRA) files. Each names the file and says what to do.
 */
import { IceditError } from "../../errors.js";
import { shapeString } from "../../tensor.js";
import { WeightsFileError } from "../errors.js";

/** How many names an error message lists before it says "and N more". */
export const LISTED_KEYS = 20;

/** The first LISTED_KEYS names, then "... and N more". */
export function listKeys(keys: readonly string[], limit = LISTED_KEYS): string {
  const shown = keys.slice(0, limit).join(", ");
  return keys.length > limit ? `${shown}, ... and ${keys.length - limit} more` : shown;
}

const METHOD_NAMES = { icedit: "ICEdit (FLUX.1 Fill)", kontext: "FLUX.1 Kontext [dev]" } as const;

/** An adapter trained for one editing method, loaded for a model of the other. */
export class LoraMethodError extends WeightsFileError {
  constructor(
    file: string,
    readonly trainedFor: keyof typeof METHOD_NAMES,
    readonly model: keyof typeof METHOD_NAMES,
  ) {
    super(
      file,
      `${file}: this adapter was trained for ${METHOD_NAMES[trainedFor]} (icedit_method in its metadata), but the model edits with ${METHOD_NAMES[model]}: load it with a ${METHOD_NAMES[trainedFor]} model`,
    );
  }
}

/** Not one key of the adapter file names a layer of this model. */
export class LoraNoMatchError extends WeightsFileError {
  constructor(
    file: string,
    readonly unmatched: readonly string[],
    hint: string,
  ) {
    super(
      file,
      `${file}: no key of this adapter matches a layer of the model (${unmatched.length} keys unmatched: ${listKeys(unmatched)})` +
        `: ${hint}`,
    );
  }
}

/** An adapter tensor does not fit the layer it names (a LoRA for another architecture or size). */
export class LoraShapeError extends WeightsFileError {
  constructor(
    file: string,
    /** The module as the file names it. */
    readonly module: string,
    /** The model's linear layer (BFL name) and the output rows the module covers. */
    readonly layer: string,
    readonly tensor: string,
    readonly expected: readonly (number | string)[],
    readonly actual: readonly number[],
    detail: string,
  ) {
    super(
      file,
      `${file}: LoRA module ${module} (layer ${layer}): tensor ${tensor} has shape ${shapeString(actual)}, expected ${shapeString(expected)} ` +
        `(${detail}): this adapter was made for a model of another architecture or size`,
    );
  }
}

/** The adapter file is malformed: half of a pair missing, ranks that disagree, bad metadata, ... */
export class LoraFormatError extends WeightsFileError {
  constructor(file: string, problem: string) {
    super(file, `${file}: invalid adapter file: ${problem}`);
  }
}

/** An adapter cannot be merged into the base weights (a MoE-LoRA routes per token). */
export class LoraMergeError extends IceditError {}
