/**
 * Puts a base training run's weights (the loop's adapter.safetensors: every transformer tensor
 * under its BFL key) into a model folder's transformer/, in the diffusers layout make-demo-model
 * writes, so the folder opens with the trained transformer. The folder's own transformer decides
 * what fits: every converted tensor must have a stored tensor of that name and shape, and back.
 * The stored shards and their index are replaced by one diffusion_pytorch_model.safetensors.
 */
import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { shapeString, type Tensor } from "../../tensor.js";
import { BASE_WEIGHTS_KIND } from "../../train/base/metadata.js";
import { bflToDiffusers } from "../../weights/layouts/flux-convert.js";
import { memorySource } from "../../weights/memory-source.js";
import { readAllF32 } from "../../weights/source.js";
import { openWeights } from "../../weights/open-weights.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import { writeSafetensors } from "../../weights/safetensors/writer.js";
import { BaseWeightsError } from "./errors.js";

const INDEX = "diffusion_pytorch_model.safetensors.index.json";
const SINGLE = "diffusion_pytorch_model.safetensors";

/** Every tensor of a base weights file, by BFL key (checked to be one). */
async function readBaseWeights(file: string): Promise<Map<string, Tensor>> {
  const source = await openSafetensors(file);
  try {
    const kind = source.metadata()["icedit.kind"];
    if (kind !== BASE_WEIGHTS_KIND) {
      throw new BaseWeightsError(
        `${file} is not a base training run's weights (icedit.kind ${kind ?? "absent"}, expected ${BASE_WEIGHTS_KIND})`,
      );
    }
    return await readAllF32(source);
  } finally {
    await source.close();
  }
}

/** The folder's transformer files: the index and its shards, or the single file. */
async function storedFiles(dir: string): Promise<{ path: string; files: string[] }> {
  try {
    const index = JSON.parse(await readFile(join(dir, INDEX), "utf8")) as { weight_map?: Record<string, string> };
    const shards = [...new Set(Object.values(index.weight_map ?? {}))];
    return { path: join(dir, INDEX), files: [INDEX, ...shards] };
  } catch {
    return { path: join(dir, SINGLE), files: [SINGLE] };
  }
}

/** Writes `weightsFile` (BFL keys) into `modelDir`/transformer as diffusers tensors; returns the file written. */
export async function installBaseWeights(weightsFile: string, modelDir: string): Promise<string> {
  const dir = join(modelDir, "transformer");
  const trained = await bflToDiffusers(memorySource(await readBaseWeights(weightsFile), weightsFile));
  const stored = await storedFiles(dir);
  const current = await openWeights(stored.path);
  try {
    // Same names and shapes as the folder holds, no tensor more.
    const names = current.names();
    for (const name of names) {
      const t = trained.get(name);
      const dims = current.entry(name).dims;
      if (!t) throw new BaseWeightsError(`${weightsFile} has no tensor for ${name} of ${stored.path}`);
      if (shapeString(t.dims) !== shapeString(dims)) {
        throw new BaseWeightsError(`${name}: ${weightsFile} gives ${shapeString(t.dims)}, ${stored.path} holds ${shapeString(dims)}`);
      }
    }
    if (trained.size !== names.length) {
      const extra = [...trained.keys()].filter((n) => !current.has(n));
      throw new BaseWeightsError(`${weightsFile} has tensors ${stored.path} lacks: ${extra.slice(0, 5).join(", ")}`);
    }
  } finally {
    await current.close();
  }
  const tmp = join(dir, `${SINGLE}.tmp-${process.pid}`);
  await writeSafetensors(tmp, trained, { format: "pt" });
  for (const file of stored.files) await rm(join(dir, file), { force: true });
  await rename(tmp, join(dir, SINGLE));
  return join(dir, SINGLE);
}
