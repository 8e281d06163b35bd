/**
 * One Hugging Face parquet shard of edit triplets (MagicBrush or OmniEdit layout, detected from
 * the columns). At open the footer and the instruction column are read (cheap: text only): empty
 * instructions are counted skips, and OmniEdit's instruction is picked from its list with the
 * caller's seeded random source, once per row in row order, so a run is deterministic. Images are
 * read by get(): the rows around the requested one, within its row group, are read together and
 * kept until a row outside them is asked for (reading in index order reads each row group once).
 */
import { decodeImage } from "../../image/decode.js";
import { CorruptImageError } from "../../image/errors.js";
import type { ImageLimits } from "../../image/limits.js";
import type { RgbImage } from "../../image/rgb.js";
import { loadPair } from "./load-pair.js";
import { detectParquetLayout, type ParquetLayout } from "./parquet-layout.js";
import { openParquetFile, ParquetRowReader, readParquetColumns, type ParquetFile } from "./parquet-file.js";
import { cellText, cellTextList, imageBytes } from "./parquet-values.js";
import type { SkipLog, SkipReport } from "./skip-log.js";
import type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";

export { ROW_WINDOW } from "./parquet-file.js";

export interface ShardOptions {
  readonly limits?: ImageLimits;
  /** Uniform in [0, 1): picks OmniEdit's instruction among its phrasings. */
  readonly random: () => number;
  readonly keyPrefix?: string;
}

/** Opens a shard and reads its instructions; images are read on demand. */
export async function openParquetShard(path: string, log: SkipLog, options: ShardOptions): Promise<TrainingData> {
  const parquet = await openParquetFile(path);
  const file = parquet.path;
  const layout = detectParquetLayout(parquet.columns, file);
  const cells = await readParquetColumns(parquet, [layout.instruction]);
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
  return new ParquetShardData(parquet, layout, instructions, log, prefix, options.limits ?? {});
}

class ParquetShardData implements TrainingData {
  private readonly file: string;
  private readonly stamp: string;
  private readonly reader: ParquetRowReader;

  constructor(
    parquet: ParquetFile,
    private readonly layout: ParquetLayout,
    private readonly instructions: readonly string[],
    private readonly log: SkipLog,
    private readonly prefix: string,
    private readonly limits: ImageLimits,
  ) {
    this.file = parquet.path;
    this.stamp = parquet.stamp;
    this.reader = new ParquetRowReader(parquet, [layout.source, layout.target]);
  }

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
    const row = await this.reader.row(index);
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
