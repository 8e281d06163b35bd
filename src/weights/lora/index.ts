/** Adapter files (LoRA in every common format, ICEdit's MoE-LoRA) for the FLUX transformer. */
export * from "./errors.js";
export * from "./types.js";
export { LoraTargets, type LoraTarget, type LinearShape, type DeclaredParam } from "./targets.js";
export { readLoraAdapter, type ReadLoraOptions } from "./read.js";
export { LORA_METADATA_KEY } from "./scaling.js";
export { metadataTopK, MOE_METADATA_KEY } from "./moe-top-k.js";
export { METHOD_METADATA_KEY, adapterMethodOf, checkAdapterMethod, type AdapterMethod } from "./method.js";
