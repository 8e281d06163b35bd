/** What an edit gives the VAE and the transformer, for the memory estimates: the diptych's size and the batches. */
import { InvalidArgumentError } from "../errors.js";
import { editSize } from "../image/edit-size.js";
import { EDIT_DEFAULTS } from "../pipelines/icedit/edit.js";
import { DEFAULT_WORK, type WorkSize } from "../components/memory-estimates.js";
import type { Tensor } from "../tensor.js";

export interface EditBatches {
  /** Noise selection's candidates (1 for a plain edit). */
  readonly candidates: number;
  /** Candidates per transformer run (default all). */
  readonly batchSize?: number;
  /** Previews per VAE decoder run (default all). */
  readonly previewBatch?: number;
}

export function editWork(source: Tensor<"u8">, width: number | undefined, batches: EditBatches = { candidates: 1 }): WorkSize {
  let size: { width: number; height: number };
  try {
    size = editSize(source.dims[1] as number, source.dims[0] as number, width ?? EDIT_DEFAULTS.width);
  } catch (error) {
    // A size the edit cannot take: the pipeline says so itself, with its own context.
    if (error instanceof InvalidArgumentError) return DEFAULT_WORK;
    throw error;
  }
  // Counts the pipeline would refuse are its to report; estimate for one sample instead.
  const whole = (k: number | undefined, fallback: number): number => (k !== undefined && Number.isInteger(k) && k >= 1 ? k : fallback);
  const n = whole(batches.candidates, 1);
  return { width: 2 * size.width, height: size.height, batch: Math.min(whole(batches.batchSize, n), n), decodeBatch: Math.min(whole(batches.previewBatch, n), n) };
}
