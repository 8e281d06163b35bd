/**
 * The benchmark `icedit eval --bench` names: magicbrush (parquet, or the authors' test folder with
 * edit_sessions.json, at --data), emu-edit (parquet at --data), demo, or a folder with metadata.jsonl.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ImageLimits } from "../../image/limits.js";
import type { HeldOutOptions } from "../../demo/eval/held-out.js";
import { BenchDataError, type Bench } from "./bench.js";
import { demoBench } from "./demo-bench.js";
import { openFolderBench } from "./folder-bench.js";
import { EDIT_SESSIONS_FILE, openMagicBrushSessions } from "./magicbrush-sessions.js";
import { openParquetBench, parquetFiles } from "./parquet-bench.js";

export interface OpenBenchOptions {
  /** magicbrush, emu-edit, demo, or a folder. */
  readonly bench: string;
  /** The parquet file or folder (magicbrush, emu-edit). */
  readonly data?: string;
  /** The split whose files a --data folder gives (default "test"). */
  readonly split?: string;
  readonly limits?: ImageLimits;
  /** --bench demo: the held-out edits. */
  readonly demo?: HeldOutOptions;
}

export async function openBench(options: OpenBenchOptions): Promise<Bench> {
  const { bench } = options;
  if (bench === "demo") return demoBench(options.demo);
  if (bench === "magicbrush" || bench === "emu-edit") {
    if (options.data === undefined) {
      const repo = bench === "magicbrush" ? "osunlp/MagicBrush" : "facebook/emu_edit_test_set";
      throw new BenchDataError(
        `--bench ${bench} reads parquet files: give --data PATH (the ${repo} data set's files, or one of them${bench === "magicbrush" ? "; or the unpacked MagicBrush test folder with edit_sessions.json" : ""})`,
      );
    }
    const sessions = [options.data, join(options.data, "test")].some((d) => existsSync(join(d, EDIT_SESSIONS_FILE)));
    if (bench === "magicbrush" && sessions) return openMagicBrushSessions(options.data, options.limits);
    return openParquetBench(bench, await parquetFiles(options.data, options.split ?? "test"), options.limits);
  }
  if (options.data !== undefined)
    throw new BenchDataError(`--data is for --bench magicbrush or emu-edit; a folder benchmark is --bench FOLDER`);
  return openFolderBench(bench, options.limits);
}
