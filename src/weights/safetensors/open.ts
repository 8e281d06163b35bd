/**
 * Entry point for reading safetensors checkpoints: a single file, or a sharded set through its
 * `*.safetensors.index.json`. Both are returned as a TensorSource.
 */
import { SafetensorsFile } from "./file.js";
import { ShardedSource } from "./sharded.js";
import type { TensorSource } from "../source.js";

export type { TensorEntry, TensorSource } from "../source.js";

/** Opens a .safetensors file or a sharded set (a path ending in .json); validates every header up front. */
export async function openSafetensors(path: string): Promise<TensorSource> {
  if (path.toLowerCase().endsWith(".json")) return ShardedSource.open(path);
  return SafetensorsFile.open(path);
}
