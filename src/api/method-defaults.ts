/**
 * The defaults an edit of each method takes where its options are silent, after the model folder's
 * own (icedit.json): what the library's edit entry applies (withModelDefaults, then
 * resolveEditOptions or resolveKontextOptions), in one table for those who show or store them
 * before the edit runs (the server's job parameters, /healthz, the web page).
 */
import type { EditMethod } from "../components/icedit-models.js";
import { EDIT_DEFAULTS, KONTEXT_DEFAULTS } from "./edit-defaults.js";
import type { ModelEditDefaults } from "./model-settings.js";

export interface MethodEditDefaults {
  readonly method: EditMethod;
  readonly steps: number;
  readonly guidance: number;
  /** ICEdit: true CFG's scale (1: off). Kontext: absent (not supported). */
  readonly trueCfgScale?: number;
  /** ICEdit: the edit width. Kontext: absent unless the model names one (the output keeps the size Kontext resizes the source to). */
  readonly width?: number;
}

export function methodEditDefaults(method: EditMethod, model: ModelEditDefaults = {}): MethodEditDefaults {
  if (method === "kontext") {
    const guidance = model.guidance ?? KONTEXT_DEFAULTS.guidance;
    const base = { method, steps: KONTEXT_DEFAULTS.steps, guidance };
    return model.width === undefined ? base : { ...base, width: model.width };
  }
  return {
    method,
    steps: EDIT_DEFAULTS.steps,
    guidance: model.guidance ?? EDIT_DEFAULTS.guidance,
    trueCfgScale: model.trueCfgScale ?? EDIT_DEFAULTS.trueCfgScale,
    width: model.width ?? EDIT_DEFAULTS.width,
  };
}
