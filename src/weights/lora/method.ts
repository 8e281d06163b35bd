/**
 * Which editing method an adapter file was trained for. icedit's training marks Kontext adapters
 * with `icedit_method: kontext` in the file's metadata (their tensors have ICEdit's keys, so the
 * keys cannot tell); files without the entry are ICEdit's or of unknown origin.
 */
import type { TensorSource } from "../source.js";
import { LoraMethodError } from "./errors.js";

/** The metadata key that marks a Kontext adapter. */
export const METHOD_METADATA_KEY = "icedit_method";

export type AdapterMethod = "icedit" | "kontext";

/** The method the file's metadata names, or undefined when it names none. */
export function adapterMethodOf(metadata: Readonly<Record<string, string>>): AdapterMethod | undefined {
  const value = metadata[METHOD_METADATA_KEY];
  return value === "kontext" || value === "icedit" ? value : undefined;
}

/** Refuses an adapter whose metadata names another method than the model's. */
export function checkAdapterMethod(source: TensorSource, method: AdapterMethod): void {
  const trained = adapterMethodOf(source.metadata());
  if (trained !== undefined && trained !== method) throw new LoraMethodError(source.description, trained, method);
}
