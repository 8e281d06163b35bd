/**
 * The two benchmarks as their Hugging Face parquet files hold them (images as structs {bytes, path}):
 *   MagicBrush test (osunlp/MagicBrush): img_id, turn_index, source_img, target_img, instruction
 *     (mask_img unused). Turns of one img_id form a session; each turn's input is the previous
 *     turn's edit (as MagicBrush's multi-turn protocol), final-turn scores take each session's last.
 *   Emu Edit test (facebook/emu_edit_test_set): image, instruction, input_caption, output_caption,
 *     task (idx when present names a sample). Samples whose input and output captions are equal are
 *     dropped, as ICEdit did; CLIP-I and DINO compare the edit with the input image.
 * At open only the text columns are read; images are read when a sample asks for them.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { decodeImage } from "../../image/decode.js";
import type { ImageLimits } from "../../image/limits.js";
import type { RgbImage } from "../../image/rgb.js";
import { openParquetFile, ParquetRowReader, readParquetColumns, type ParquetFile } from "../../train/data/parquet-file.js";
import { cellText, imageBytes } from "../../train/data/parquet-values.js";
import { BadSampleError, BenchDataError, type Bench, type BenchSample, type BenchSkip } from "./bench.js";

interface ParquetBenchLayout {
  readonly kind: "magicbrush" | "emu-edit";
  readonly source: string;
  readonly target: string | null;
  /** Text columns read at open (all must be present). */
  readonly text: readonly string[];
}

const MAGICBRUSH: ParquetBenchLayout = {
  kind: "magicbrush",
  source: "source_img",
  target: "target_img",
  text: ["img_id", "turn_index", "instruction"],
};
const EMU_EDIT: ParquetBenchLayout = {
  kind: "emu-edit",
  source: "image",
  target: null,
  text: ["instruction", "input_caption", "output_caption", "task"],
};

/** The parquet files of `path`: the file itself, or the folder's `<split>-*.parquet` (all *.parquet when none is named so), searched below it. */
export async function parquetFiles(path: string, split: string): Promise<string[]> {
  const root = resolve(path);
  let isDir: boolean;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new BenchDataError(`--data ${root} does not exist: give a parquet file or the folder of the data set's parquet files`);
  }
  if (!isDir) return [root];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith(".")) await walk(full);
      else if (entry.name.endsWith(".parquet")) found.push(full);
    }
  };
  await walk(root);
  found.sort();
  const ofSplit = found.filter((f) => basename(f).startsWith(`${split}-`) || basename(f) === `${split}.parquet`);
  const files = ofSplit.length > 0 ? ofSplit : found;
  if (files.length === 0) throw new BenchDataError(`--data ${root} holds no .parquet files`);
  return files;
}

function layoutOf(kind: "magicbrush" | "emu-edit", file: ParquetFile): ParquetBenchLayout {
  const layout = kind === "magicbrush" ? MAGICBRUSH : EMU_EDIT;
  const needed = [layout.source, ...(layout.target ? [layout.target] : []), ...layout.text];
  const missing = needed.filter((c) => !file.columns.includes(c));
  if (missing.length > 0) {
    const other = kind === "magicbrush" ? "emu-edit" : "magicbrush";
    throw new BenchDataError(
      `${file.path}: no ${missing.join(", ")} column (it has ${file.columns.join(", ")}): is this the ${kind} data set? ` +
        `(--bench ${other} reads the other layout; a folder with metadata.jsonl is read by --bench FOLDER)`,
    );
  }
  return layout;
}

function imageLoader(reader: ParquetRowReader, index: number, column: string, id: string, limits: ImageLimits): () => Promise<RgbImage> {
  return async () => {
    const row = await reader.row(index);
    if (typeof row === "string") throw new BadSampleError(`${id}: ${row}`);
    const bytes = imageBytes(row[column]);
    if (typeof bytes === "string") throw new BadSampleError(`${id}: ${column}: ${bytes}`);
    try {
      return await decodeImage(bytes, { ...limits, name: `${id} ${column}` });
    } catch (error) {
      throw new BadSampleError(`${id}: ${column}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

interface Row {
  readonly id: string;
  readonly text: Record<string, string>;
  readonly sample: Omit<BenchSample, "id" | "instruction" | "task" | "turn">;
}

/** Reads the benchmark `kind` from `files`. */
export async function openParquetBench(
  kind: "magicbrush" | "emu-edit",
  files: readonly string[],
  limits: ImageLimits = {},
): Promise<Bench> {
  const rows: Row[] = [];
  for (const [f, path] of files.entries()) {
    const file = await openParquetFile(path);
    const layout = layoutOf(kind, file);
    const idColumn = kind === "emu-edit" && file.columns.includes("idx") ? ["idx"] : [];
    const cells = await readParquetColumns(file, [...layout.text, ...idColumn]);
    const reader = new ParquetRowReader(file, [layout.source, ...(layout.target ? [layout.target] : [])]);
    cells.forEach((cell, i) => {
      const text = Object.fromEntries([...layout.text, ...idColumn].map((c) => [c, cellText(cell[c] ?? null) || String(cell[c] ?? "")]));
      const id =
        kind === "magicbrush"
          ? `${text["img_id"]}-${text["turn_index"]}`
          : idColumn.length > 0
            ? String(text["idx"])
            : files.length > 1
              ? `${f}-${i}`
              : String(i);
      const target = layout.target;
      rows.push({
        id,
        text,
        sample: {
          source: imageLoader(reader, i, layout.source, id, limits),
          ...(target ? { target: imageLoader(reader, i, target, id, limits) } : {}),
        },
      });
    });
  }
  const description = `${kind === "magicbrush" ? "MagicBrush" : "Emu Edit"} parquet: ${files.length} file${files.length > 1 ? "s" : ""} (${files.map((f) => basename(f)).join(", ")})`;
  return kind === "magicbrush" ? magicBrushBench(rows, description) : emuEditBench(rows, description);
}

function uniqueIds(rows: readonly Row[]): void {
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) throw new BenchDataError(`two rows have the id ${row.id}: a benchmark's ids must be unique`);
    seen.add(row.id);
  }
}

function magicBrushBench(rows: Row[], description: string): Bench {
  uniqueIds(rows);
  const skipped: BenchSkip[] = [];
  const usable = rows.filter((r) => {
    if ((r.text["instruction"] ?? "").trim() !== "") return true;
    skipped.push({ id: r.id, reason: "empty instruction" });
    return false;
  });
  const sessions = new Map<string, Row[]>();
  for (const row of usable) {
    const session = row.text["img_id"] as string;
    sessions.set(session, [...(sessions.get(session) ?? []), row]);
  }
  const samples: BenchSample[] = [];
  for (const [session, turns] of sessions) {
    turns.sort((a, b) => Number(a.text["turn_index"]) - Number(b.text["turn_index"]));
    turns.forEach((row, t) => {
      samples.push({
        ...row.sample,
        id: row.id,
        instruction: (row.text["instruction"] as string).trim(),
        task: null,
        turn: {
          session,
          index: Number(row.text["turn_index"]),
          final: t === turns.length - 1,
          previous: t === 0 ? null : (turns[t - 1] as Row).id,
        },
      });
    });
  }
  return { kind: "magicbrush", description, samples, skipped, dropped: [], measureAgainstSource: false };
}

function emuEditBench(rows: Row[], description: string): Bench {
  uniqueIds(rows);
  const skipped: BenchSkip[] = [];
  const dropped: BenchSkip[] = [];
  const samples: BenchSample[] = [];
  for (const row of rows) {
    const instruction = (row.text["instruction"] ?? "").trim();
    const inputCaption = (row.text["input_caption"] ?? "").trim();
    const outputCaption = (row.text["output_caption"] ?? "").trim();
    if (instruction === "") skipped.push({ id: row.id, reason: "empty instruction" });
    else if (inputCaption === outputCaption)
      dropped.push({ id: row.id, reason: "input caption equals output caption (dropped as ICEdit did)" });
    else samples.push({ ...row.sample, id: row.id, instruction, task: row.text["task"] || null, inputCaption, outputCaption });
  }
  return { kind: "emu-edit", description, samples, skipped, dropped, measureAgainstSource: true };
}
