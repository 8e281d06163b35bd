/**
 * A FLUX.1 Kontext edit's settings from the caller's EditOptions: KONTEXT_DEFAULTS (then
 * EDIT_DEFAULTS) where they are silent, and refusals of what only ICEdit does. Noise selection
 * works as with ICEdit (its candidates are Kontext's own draws).
 */
import type { KontextEditSettings } from "../pipelines/kontext/edit.js";
import { EDIT_DEFAULTS, KONTEXT_DEFAULTS } from "./edit-defaults.js";
import type { EditLimits } from "./edit-limits.js";
import { checkEditInputs, optional, resolveSelection, type EditOptions } from "./edit-options.js";
import { EditOptionError } from "./errors.js";
import { checkMaxTextTokens, resolveStepCache } from "./step-cache-option.js";

/** Checks a Kontext request whole before any work and completes it. */
export function checkedKontextSettings(
  image: unknown,
  instruction: unknown,
  options: EditOptions,
  limits: EditLimits,
): KontextEditSettings {
  checkEditInputs(image, instruction, options, limits);
  return resolveKontextOptions(options);
}

export function resolveKontextOptions(options: EditOptions): KontextEditSettings {
  if (options.conventions !== undefined && options.conventions !== "bfl")
    throw new EditOptionError(
      "conventions",
      options.conventions,
      `Kontext edits follow BFL's sampling (cli_kontext), not "${options.conventions}": leave conventions out (it applies to ICEdit)`,
    );
  for (const [name, value] of [
    ["trueCfgScale", options.trueCfgScale],
    ["negativePrompt", options.negativePrompt],
  ] as const) {
    if (value !== undefined && !(name === "trueCfgScale" && value === 1))
      throw new EditOptionError(name, value, `${name} (true CFG) applies to ICEdit edits (FLUX.1 Fill) so far, not to Kontext edits`);
  }
  const seed = options.seed ?? EDIT_DEFAULTS.seed;
  const steps = options.steps ?? KONTEXT_DEFAULTS.steps;
  return {
    seed,
    steps,
    guidance: options.guidance ?? KONTEXT_DEFAULTS.guidance,
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    ...(options.keepSize === undefined ? {} : { keepSize: options.keepSize }),
    ...(options.referencePlacement === undefined ? {} : { referencePlacement: options.referencePlacement }),
    ...optional("selection", options.selection && resolveSelection(options.selection, seed, steps)),
    ...optional("cache", resolveStepCache(options.cache)),
    ...optional("maxTextTokens", checkMaxTextTokens(options.maxTextTokens)),
    onProgress: options.onProgress,
    onStep: options.onStep,
    onWarning: options.onWarning,
    signal: options.signal,
  };
}
