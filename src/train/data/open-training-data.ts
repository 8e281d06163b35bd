/**
 * The entry point of the training data: several paths (folders with metadata.jsonl, parquet
 * shards, folders of shards) opened as one data set, in the order given. Structural problems
 * throw a TrainingDataError here; per-example problems are counted in one shared skip log.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ImageLimits } from "../../image/limits.js";
import { errorCode, fsReason } from "../../image/fs-reason.js";
import { Prng } from "../../numeric/prng.js";
import { TrainingDataError } from "./errors.js";
import { METADATA_FILE, openImageFolder } from "./image-folder.js";
import { openParquetShard } from "./parquet-shard.js";
import { SkipLog, type SkipReport } from "./skip-log.js";
import type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";

export interface TrainingDataOptions {
  /** Limits on each decoded image (default: the image layer's). */
  readonly limits?: ImageLimits;
  /**
   * The run's seeded random source, uniform in [0, 1): picks OmniEdit's instruction among its
   * phrasings. Default: a generator seeded with 0.
   */
  readonly random?: () => number;
}

const isParquet = (name: string): boolean => name.toLowerCase().endsWith(".parquet");

/** The shards of a folder: its own *.parquet files, else those in its data/ (the Hub's layout), sorted. */
async function shardsIn(folder: string): Promise<string[]> {
  for (const dir of [folder, join(folder, "data")]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const shards = names.filter(isParquet).sort();
    if (shards.length > 0) return shards.map((n) => join(dir, n));
  }
  return [];
}

async function kindOf(path: string): Promise<"file" | "folder"> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return "folder";
    if (info.isFile()) return "file";
    throw new TrainingDataError(path, `${path} is neither a file nor a folder`);
  } catch (error) {
    if (error instanceof TrainingDataError) throw error;
    const why = errorCode(error) === "ENOENT" ? "no such file or folder" : fsReason(error);
    throw new TrainingDataError(path, `cannot open the training data ${path}: ${why}`, { cause: error });
  }
}

/** Opens every path as a data set (counted skips go to `log`, keyed apart per data set). */
async function openPath(
  path: string,
  log: SkipLog,
  options: TrainingDataOptions,
  random: () => number,
  n: number,
): Promise<TrainingData[]> {
  const full = resolve(path);
  const limits = options.limits;
  const kind = await kindOf(full);
  if (kind === "file") {
    if (!isParquet(full)) {
      throw new TrainingDataError(full, `${full}: training data is a folder with ${METADATA_FILE}, a .parquet shard or a folder of shards`);
    }
    return [await openParquetShard(full, log, { limits, random, keyPrefix: `${n}:` })];
  }
  const hasMetadata = await stat(join(full, METADATA_FILE)).then(
    (s) => s.isFile(),
    () => false,
  );
  if (hasMetadata) return [await openImageFolder(full, log, { limits, keyPrefix: `${n}:` })];
  const shards = await shardsIn(full);
  if (shards.length === 0) {
    throw new TrainingDataError(
      full,
      `${full} has no ${METADATA_FILE} and no .parquet shards: a training folder needs a ${METADATA_FILE} ` +
        `with lines {"source": "a.png", "target": "a_edit.png", "instruction": "..."}, or parquet shards in MagicBrush's or OmniEdit's layout`,
    );
  }
  const opened: TrainingData[] = [];
  for (const [i, shard] of shards.entries()) opened.push(await openParquetShard(shard, log, { limits, random, keyPrefix: `${n}.${i}:` }));
  return opened;
}

/** The data sets at `paths`, as one. */
export async function openTrainingData(paths: readonly string[], options: TrainingDataOptions = {}): Promise<TrainingData> {
  if (paths.length === 0) throw new TrainingDataError("", "no training data given: pass at least one folder or parquet shard");
  const log = new SkipLog();
  const random = options.random ?? seededUniform(0);
  const parts: TrainingData[] = [];
  for (const [n, path] of paths.entries()) parts.push(...(await openPath(path, log, options, random, n)));
  return new ConcatenatedData(parts, log);
}

function seededUniform(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.uniform();
}

class ConcatenatedData implements TrainingData {
  private readonly starts: number[] = [];
  readonly count: number;

  constructor(
    private readonly parts: readonly TrainingData[],
    private readonly log: SkipLog,
  ) {
    let total = 0;
    for (const part of parts) {
      this.starts.push(total);
      total += part.count;
    }
    this.count = total;
  }

  get skipped(): SkipReport {
    return this.log;
  }

  private locate(index: number): { part: TrainingData; at: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`example ${index} is out of range (0 to ${this.count - 1})`);
    }
    let p = this.parts.length - 1;
    while ((this.starts[p] as number) > index) p--;
    return { part: this.parts[p] as TrainingData, at: index - (this.starts[p] as number) };
  }

  identity(index: number): TripletIdentity | null {
    const { part, at } = this.locate(index);
    return part.identity(at);
  }

  async get(index: number): Promise<EditTriplet | null> {
    const { part, at } = this.locate(index);
    return part.get(at);
  }
}
