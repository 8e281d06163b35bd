/** Opens a weights file by its kind: GGUF (community quantized transformers) or safetensors (file or shard index). */
import { openGguf } from "./gguf/index.js";
import { openSafetensors } from "./safetensors/open.js";
import type { TensorSource } from "./source.js";

export async function openWeights(path: string): Promise<TensorSource> {
  return path.toLowerCase().endsWith(".gguf") ? openGguf(path) : openSafetensors(path);
}
