/**
 * The top-k of a MoE-LoRA file when its metadata records it: ICEdit's files do not (its loader
 * uses 1), the golden vectors write `__metadata__["golden_moe"] = {"top_k": k, ...}`.
 */

/** The metadata key holding a JSON object with `top_k`. */
export const MOE_METADATA_KEY = "golden_moe";

/** top_k from the metadata, or undefined when it does not say (or says something unreadable). */
export function metadataTopK(metadata: Readonly<Record<string, string>>): number | undefined {
  const raw = metadata[MOE_METADATA_KEY];
  if (raw === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(raw);
    const k = typeof json === "object" && json !== null ? (json as Record<string, unknown>)["top_k"] : undefined;
    return typeof k === "number" && Number.isInteger(k) && k >= 1 ? k : undefined;
  } catch {
    return undefined;
  }
}
