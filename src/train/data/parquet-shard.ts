/**
 * One Hugging Face parquet shard of edit triplets (MagicBrush or OmniEdit layout, detected from
 * the columns). At open the footer and the instruction column are read (cheap: text only): empty
 * instructions are counted skips, and OmniEdit's instruction is picked from its list with the
 * caller's seeded random source, once per row in row order, so a run is deterministic. Images are
 * read by get(): the rows around the requested one, within its row group, are read together and
 * kept until a row outside them is asked for (reading in index order reads each row group once).
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { decodeImage } from "../../image/decode.js";
import { CorruptImageError } from "../../image/errors.js";
import type { ImageLimits } from "../../image/limits.js";
import type { RgbImage } from "../../image/rgb.js";
import { fsReason } from "../../image/fs-reason.js";
import { TrainingDataError } from "./errors.js";
import { loadPair } from "./load-pair.js";
import { detectParquetLayout, type ParquetLayout } from "./parquet-layout.js";
import { cellText, cellTextList, imageBytes } from "./parquet-values.js";
import type { SkipLog, SkipReport } from "./skip-log.js";
import type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";

/** Codecs hyparquet reads without extra packages. */
const READABLE_CODECS = new Set(["UNCOMPRESSED", "SNAPPY"]);
/** Most rows read together by get() (fewer at the end of a row group). */
export const ROW_WINDOW = 16;

export interface ShardOptions {
  readonly limits?: ImageLimits;
  /** Uniform in [0, 1): picks OmniEdit's instruction among its phrasings. */
  readonly random: () => number;
  readonly keyPrefix?: string;
}

interface RowWindow {
  readonly start: number;
  readonly end: number;
  readonly rows: Promise<Record<string, unknown>[]>;
}

function shardError(path: string, what: string, error: unknown): TrainingDataError {
  const why = error instanceof Error ? error.message : String(error);
  return new TrainingDataError(path, `${path}: ${what} (${why}); is it a complete parquet file?`, { cause: error });
}

function checkCodecs(path: string, metadata: FileMetaData): void {
  const codecs = new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec ?? "UNCOMPRESSED")));
  const unreadable = [...codecs].filter((c) => !READABLE_CODECS.has(c));
  if (unreadable.length > 0) {
    throw new TrainingDataError(
      path,
      `${path}: compressed with ${unreadable.join(", ")}, which this reader does not decompress (it reads snappy and uncompressed shards): ` +
        "re-save the shard with snappy compression (pyarrow's default)",
    );
  }
}

/** Opens a shard and reads its instructions; images are read on demand. */
export async function openParquetShard(path: string, log: SkipLog, options: ShardOptions): Promise<TrainingData> {
  const file = resolve(path);
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  let stamp: string;
  try {
    const info = await stat(file);
    stamp = `${file}:${info.size}:${info.mtimeMs}`;
    buffer = await asyncBufferFromFile(file);
  } catch (error) {
    throw new TrainingDataError(file, `cannot read ${file}: ${fsReason(error)}`, { cause: error });
  }
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw shardError(file, "cannot read the parquet footer", error);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const layout = detectParquetLayout(columns, file);
  checkCodecs(file, metadata);
  let cells: Record<string, unknown>[];
  try {
    cells = await parquetReadObjects({ file: buffer, metadata, columns: [layout.instruction], utf8: false });
  } catch (error) {
    throw shardError(file, `cannot read the ${layout.instruction} column`, error);
  }
  const prefix = options.keyPrefix ?? "";
  const instructions = cells.map((row, i) => {
    const cell = row[layout.instruction];
    const phrasings = layout.instructionKind === "list" ? cellTextList(cell) : [cellText(cell)];
    const usable = phrasings.map((p) => p.trim()).filter((p) => p !== "");
    if (usable.length === 0) {
      log.add(`${prefix}${i}`, { origin: `${file} row ${i}`, reason: "empty-instruction", detail: `${layout.instruction} is empty` });
      return "";
    }
    if (usable.length === 1) return usable[0] as string;
    return usable[Math.min(usable.length - 1, Math.floor(options.random() * usable.length))] as string;
  });
  const groupEnds: number[] = [];
  let rows = 0;
  for (const group of metadata.row_groups) groupEnds.push((rows += Number(group.num_rows)));
  return new ParquetShardData(file, stamp, buffer, metadata, layout, instructions, groupEnds, log, prefix, options.limits ?? {});
}

class ParquetShardData implements TrainingData {
  private window: RowWindow | undefined;

  constructor(
    private readonly file: string,
    private readonly stamp: string,
    private readonly buffer: AsyncBuffer,
    private readonly metadata: FileMetaData,
    private readonly layout: ParquetLayout,
    private readonly instructions: readonly string[],
    private readonly groupEnds: readonly number[],
    private readonly log: SkipLog,
    private readonly prefix: string,
    private readonly limits: ImageLimits,
  ) {}

  get count(): number {
    return this.instructions.length;
  }

  get skipped(): SkipReport {
    return this.log;
  }

  private instruction(index: number): string {
    const text = this.instructions[index];
    if (text === undefined) throw new RangeError(`row ${index} is out of range (0 to ${this.instructions.length - 1})`);
    return text;
  }

  identity(index: number): TripletIdentity | null {
    const instruction = this.instruction(index);
    if (instruction === "") return null;
    return { stamp: `${this.stamp} row ${index} ${this.layout.name}`, instruction, origin: `${this.file} row ${index}` };
  }

  /** The row's cells, reading the window of rows that holds it when it is not the current one; a string says why it cannot be read. */
  private async row(index: number): Promise<Record<string, unknown> | string> {
    const w = this.window;
    if (!w || index < w.start || index >= w.end) {
      const groupEnd = this.groupEnds.find((end) => end > index) ?? this.count;
      const end = Math.min(groupEnd, index + ROW_WINDOW);
      const columns = [this.layout.source, this.layout.target];
      const rows = parquetReadObjects({ file: this.buffer, metadata: this.metadata, columns, rowStart: index, rowEnd: end, utf8: false });
      // A failed read is reported by each row that asks for it; the handler keeps it from being unhandled.
      rows.catch(() => undefined);
      this.window = { start: index, end, rows };
    }
    const current = this.window as RowWindow;
    try {
      return (await current.rows)[index - current.start] ?? {};
    } catch (error) {
      return `cannot read the row's images from the shard (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private imageOf(cell: unknown, name: string): () => Promise<RgbImage> {
    return async () => {
      const bytes = imageBytes(cell);
      if (typeof bytes === "string") throw new CorruptImageError(name, `${name}: ${bytes}`);
      return decodeImage(bytes, { ...this.limits, name });
    };
  }

  async get(index: number): Promise<EditTriplet | null> {
    const instruction = this.instruction(index);
    if (instruction === "") return null;
    const row = await this.row(index);
    const origin = `${this.file} row ${index}`;
    if (typeof row === "string") {
      this.log.add(`${this.prefix}${index}`, { origin, reason: "unreadable-image", detail: row });
      return null;
    }
    return loadPair(
      {
        loadSource: this.imageOf(row[this.layout.source], `${origin} ${this.layout.source}`),
        loadTarget: this.imageOf(row[this.layout.target], `${origin} ${this.layout.target}`),
        instruction,
        origin,
        cropWatermark: this.layout.cropWatermark,
        skipKey: `${this.prefix}${index}`,
      },
      this.log,
    );
  }
}
