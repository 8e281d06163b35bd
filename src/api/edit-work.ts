/**
 * What an edit gives the VAE and the transformer, for the memory estimates: the diptych's size
 * or the output beside the condition (Kontext: both are tokens), and noise selection's batches.
 */
import { InvalidArgumentError } from "../errors.js";
import { editSize } from "../image/edit-size.js";
import type { EditSettings } from "../pipelines/icedit/edit.js";
import { kontextInputSize, kontextOutputSize, type KontextEditSettings } from "../pipelines/kontext/edit.js";
import { DEFAULT_WORK, type WorkSize } from "../components/memory-estimates.js";
import type { Tensor } from "../tensor.js";

/** With noise selection, the candidates per transformer run and per decoder run (batch sizes up to all M). */
function selectionBatches(selection: EditSettings["selection"]): { batch: number; decodeBatch: number } {
  // The batch sizes are checked whole numbers >= 1 (resolveSelection); absent: all candidates at once.
  const n = selection?.seeds.length ?? 1;
  const upToAll = (k: number | undefined): number => Math.min(k ?? n, n);
  return { batch: upToAll(selection?.batchSize), decodeBatch: upToAll(selection?.previewBatch) };
}

export function editWork(source: Tensor<"u8">, settings: Pick<EditSettings, "width" | "selection">): WorkSize {
  let size: { width: number; height: number };
  try {
    size = editSize(source.dims[1] as number, source.dims[0] as number, settings.width);
  } catch (error) {
    // A size the edit cannot take: the pipeline says so itself, with its own context.
    if (error instanceof InvalidArgumentError) return DEFAULT_WORK;
    throw error;
  }
  return { width: 2 * size.width, height: size.height, ...selectionBatches(settings.selection) };
}

/**
 * Kontext: the transformer sees the output's tokens and every reference's, like an image as wide
 * as all of them side by side.
 */
export function kontextWork(
  source: Tensor<"u8">,
  settings: Pick<KontextEditSettings, "width" | "height" | "keepSize" | "selection">,
  references: readonly Tensor<"u8">[] = [],
): WorkSize {
  let sizes: { width: number; height: number }[];
  try {
    sizes = [source, ...references].map((image) => kontextInputSize(image.dims[1] as number, image.dims[0] as number, settings.keepSize));
  } catch (error) {
    if (error instanceof InvalidArgumentError) return DEFAULT_WORK;
    throw error;
  }
  const resized = sizes[0] as { width: number; height: number };
  const output = kontextOutputSize(resized, settings.width, settings.height);
  const width = sizes.reduce((sum, s) => sum + s.width, output.width);
  const height = sizes.reduce((most, s) => Math.max(most, s.height), output.height);
  return { width, height, ...selectionBatches(settings.selection) };
}
