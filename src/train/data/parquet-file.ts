/**
 * One Hugging Face parquet file read with hyparquet, for any layout: the footer and its top-level
 * column names at open (snappy and uncompressed only), whole text columns, and the cells of a few
 * columns row by row: the rows around the requested one, within its row group, are read together
 * and kept until a row outside them is asked for (reading in index order reads each row group once).
 * The training shards (parquet-shard.ts) and the evaluation benchmarks (src/eval/bench) read through it.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { fsReason } from "../../image/fs-reason.js";
import { TrainingDataError } from "./errors.js";

/** hyparquet, loaded on first use: programs that read no parquet file (most) never load it. */
const hyparquet = (): Promise<typeof import("hyparquet")> => import("hyparquet");

/** Codecs hyparquet reads without extra packages. */
const READABLE_CODECS = new Set(["UNCOMPRESSED", "SNAPPY"]);
/** Most rows read together by a row window (fewer at the end of a row group). */
export const ROW_WINDOW = 16;

export interface ParquetFile {
  /** The absolute path. */
  readonly path: string;
  /** "path:size:mtime": changes when the file does. */
  readonly stamp: string;
  readonly buffer: AsyncBuffer;
  readonly metadata: FileMetaData;
  /** Top-level column names. */
  readonly columns: readonly string[];
  readonly rows: number;
  /** The row index after each row group's last row. */
  readonly groupEnds: readonly number[];
}

function fileError(path: string, what: string, error: unknown): TrainingDataError {
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

/** Opens `path` and reads its footer (no data pages). */
export async function openParquetFile(path: string): Promise<ParquetFile> {
  const file = resolve(path);
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await hyparquet();
  let buffer: AsyncBuffer;
  let stamp: string;
  try {
    const info = await stat(file);
    stamp = `${file}:${info.size}:${info.mtimeMs}`;
    buffer = await asyncBufferFromFile(file);
  } catch (error) {
    throw new TrainingDataError(file, `cannot read ${file}: ${fsReason(error)}`, { cause: error });
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw fileError(file, "cannot read the parquet footer", error);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  checkCodecs(file, metadata);
  const groupEnds: number[] = [];
  let rows = 0;
  for (const group of metadata.row_groups) groupEnds.push((rows += Number(group.num_rows)));
  return { path: file, stamp, buffer, metadata, columns, rows, groupEnds };
}

/** Every cell of `columns` (read with utf8 off: binary cells stay bytes), one object per row. */
export async function readParquetColumns(file: ParquetFile, columns: readonly string[]): Promise<Record<string, unknown>[]> {
  const { parquetReadObjects } = await hyparquet();
  try {
    return await parquetReadObjects({ file: file.buffer, metadata: file.metadata, columns: [...columns], utf8: false });
  } catch (error) {
    throw fileError(file.path, `cannot read the ${columns.join(", ")} column${columns.length > 1 ? "s" : ""}`, error);
  }
}

interface Window {
  readonly start: number;
  readonly end: number;
  readonly rows: Promise<Record<string, unknown>[]>;
}

/** Reads the cells of `columns` a window of rows at a time. */
export class ParquetRowReader {
  private window: Window | undefined;

  constructor(
    private readonly file: ParquetFile,
    private readonly columns: readonly string[],
  ) {}

  /** The row's cells, or a string that says why they cannot be read. */
  async row(index: number): Promise<Record<string, unknown> | string> {
    const w = this.window;
    if (!w || index < w.start || index >= w.end) {
      const groupEnd = this.file.groupEnds.find((end) => end > index) ?? this.file.rows;
      const end = Math.min(groupEnd, index + ROW_WINDOW);
      const { buffer, metadata } = this.file;
      const columns = [...this.columns];
      const rows = hyparquet().then((h) =>
        h.parquetReadObjects({ file: buffer, metadata, columns, rowStart: index, rowEnd: end, utf8: false }),
      );
      // A failed read is reported by each row that asks for it; the handler keeps it from being unhandled.
      rows.catch(() => undefined);
      this.window = { start: index, end, rows };
    }
    const current = this.window as Window;
    try {
      return (await current.rows)[index - current.start] ?? {};
    } catch (error) {
      return `cannot read the row from the file (${error instanceof Error ? error.message : String(error)})`;
    }
  }
}
