/**
 * The __metadata__ of a weights file written by a base training run (the loop writes it beside
 * every tensor): what the file is and the transformer's sizes, so it can be read back as a FLUX.
 */
import type { FluxParams } from "../../models/flux/params.js";

export const BASE_WEIGHTS_KIND = "icedit-flux-base";

export function baseWeightsMetadata(params: FluxParams): Record<string, string> {
  return { format: "pt", "icedit.kind": BASE_WEIGHTS_KIND, "icedit.flux_params": JSON.stringify(params) };
}
