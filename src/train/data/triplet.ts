/** What a training data set yields: edit triplets, read one at a time by index. */
import type { RgbImage } from "../../image/rgb.js";
import type { SkipReport } from "./skip-log.js";

/** One example: the source, the instruction and the edited target, as decoded RGB images. */
export interface EditTriplet {
  /** [H, W, 3] u8 (MagicBrush: the watermark strip already cropped off). */
  readonly source: RgbImage;
  /** [H', W', 3] u8 */
  readonly target: RgbImage;
  /** The edit instruction (trimmed, not wrapped in the IC prompt). */
  readonly instruction: string;
  /** Where it came from, for messages: "<folder>/metadata.jsonl:12" or "<shard>.parquet row 7". */
  readonly origin: string;
}

/** What identifies an example's stored bytes cheaply (no decoding): cache keys are made from it. */
export interface TripletIdentity {
  /** File stamps (path, size, mtime), or a shard's stamp and the row: changes when the data changes. */
  readonly stamp: string;
  readonly instruction: string;
  readonly origin: string;
}

/**
 * A data set of edit triplets. `count` examples; get(i) decodes example i on demand and gives null
 * (counted in `skipped`) when that example cannot be used. identity(i) never decodes: it may say
 * an example is skipped already (null) when the up-front checks found a problem.
 */
export interface TrainingData {
  readonly count: number;
  readonly skipped: SkipReport;
  get(index: number): Promise<EditTriplet | null>;
  identity(index: number): TripletIdentity | null;
}
