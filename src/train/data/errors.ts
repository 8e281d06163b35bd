/**
 * Typed errors of the training data: structural problems found when a data set is opened (no
 * metadata.jsonl, a bad JSON line, parquet columns of no known layout). Problems of one example
 * are not errors: they are counted skips (skip-log.ts).
 */
import { IceditError } from "../../errors.js";

/** A data set cannot be used as it is; `source` names the path (and line) at fault. */
export class TrainingDataError extends IceditError {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A parquet shard whose columns are neither MagicBrush's nor OmniEdit's. */
export class UnknownParquetLayoutError extends TrainingDataError {
  constructor(
    source: string,
    readonly columns: readonly string[],
  ) {
    super(
      source,
      `${source}: the parquet columns [${columns.join(", ")}] are neither MagicBrush's (source_img, target_img, instruction) ` +
        `nor OmniEdit's (src_img, edited_img, edited_prompt_list): convert the data to one of these layouts, or to a folder with metadata.jsonl`,
    );
  }
}

/** prepareExamples was asked for something it cannot do (a size that is not a multiple of 16, an empty data set). */
export class PrepareExamplesError extends IceditError {}
