/**
 * A single Hugging Face transformers model on disk (what `save_pretrained` writes and the hub
 * serves, e.g. openai/clip-vit-base-patch32 or facebook/dino-vits16): config.json and
 * model.safetensors (or its shard index). Finds both; reads no tensors.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ModelFolderError } from "./errors.js";
import { readJson, TRANSFORMERS_WEIGHTS, type WeightsComponent } from "./model-folder.js";

/** `what` names the model in messages ("CLIP model", "DINO ViT"). */
export async function openTransformersFolder(
  path: string,
  what: string,
): Promise<WeightsComponent & { readonly config: Record<string, unknown> }> {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelFolderError(dir, what, "does not exist or is not a folder");
  const weights = TRANSFORMERS_WEIGHTS.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!weights) {
    const bin = existsSync(join(dir, "pytorch_model.bin"))
      ? " (pytorch_model.bin is a pickle icedit does not read: convert it to safetensors)"
      : "";
    throw new ModelFolderError(dir, what, `no weights: looked for ${TRANSFORMERS_WEIGHTS.join(", ")}${bin}`);
  }
  return { weights, config: await readJson(dir, what, join(dir, "config.json")) };
}
