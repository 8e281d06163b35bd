/**
 * What an edit gives the VAE and the transformer, for the memory estimates: the diptych's size
 * and the batches (ICEdit), or the output beside the condition (Kontext: both are tokens).
 */
import { InvalidArgumentError } from "../errors.js";
import { editSize } from "../image/edit-size.js";
import type { EditSettings } from "../pipelines/icedit/edit.js";
import { kontextInputSize, kontextOutputSize, type KontextEditSettings } from "../pipelines/kontext/edit.js";
import { DEFAULT_WORK, type WorkSize } from "../components/memory-estimates.js";
import type { Tensor } from "../tensor.js";

export function editWork(source: Tensor<"u8">, settings: Pick<EditSettings, "width" | "selection">): WorkSize {
  let size: { width: number; height: number };
  try {
    size = editSize(source.dims[1] as number, source.dims[0] as number, settings.width);
  } catch (error) {
    // A size the edit cannot take: the pipeline says so itself, with its own context.
    if (error instanceof InvalidArgumentError) return DEFAULT_WORK;
    throw error;
  }
  // The batch sizes are checked whole numbers >= 1 (checkedEditSettings); absent: all candidates at once.
  const n = settings.selection?.seeds.length ?? 1;
  const upToAll = (k: number | undefined): number => Math.min(k ?? n, n);
  return {
    width: 2 * size.width,
    height: size.height,
    batch: upToAll(settings.selection?.batchSize),
    decodeBatch: upToAll(settings.selection?.previewBatch),
  };
}

/** Kontext: the transformer sees the output's tokens and the condition's, like an image as wide as both. */
export function kontextWork(source: Tensor<"u8">, settings: Pick<KontextEditSettings, "width" | "height" | "keepSize">): WorkSize {
  let resized: { width: number; height: number };
  try {
    resized = kontextInputSize(source.dims[1] as number, source.dims[0] as number, settings.keepSize);
  } catch (error) {
    if (error instanceof InvalidArgumentError) return DEFAULT_WORK;
    throw error;
  }
  const output = kontextOutputSize(resized, settings.width, settings.height);
  return { width: output.width + resized.width, height: Math.max(output.height, resized.height), batch: 1, decodeBatch: 1 };
}
