/** Where icedit keeps what it derives from weights (text embeddings, converted weights): $ICEDIT_CACHE_DIR, else beside the Hugging Face hub cache. */
import { join } from "node:path";
import { hubCacheDir } from "./hf-cache.js";

export function iceditCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["ICEDIT_CACHE_DIR"] || join(hubCacheDir(env), "..", "icedit");
}

/** Converted (quantized) weights: <icedit cache>/converted. */
export function convertedCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(iceditCacheDir(env), "converted");
}
