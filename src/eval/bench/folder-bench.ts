/**
 * A benchmark in a plain folder: metadata.jsonl (the Hugging Face image-folder convention, as
 * `icedit train` reads), one JSON object a line:
 *   {"id": "7", "source": "a.png", "target": "a_edit.png", "instruction": "...",
 *    "output_caption": "...", "task": "background"}
 * `source` (or `source_file_name`) and `instruction` are required; `target` (or
 * `target_file_name`), captions, `task` and `id` (default: the line number) are optional. A folder
 * without any target is measured as Emu Edit is: CLIP-I and DINO against the source.
 * A missing file or an empty instruction is a counted skip; a line that is not a JSON object is an error.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readImage } from "../../image/decode.js";
import type { ImageLimits } from "../../image/limits.js";
import { METADATA_FILE } from "../../train/data/image-folder.js";
import { BadSampleError, BenchDataError, type Bench, type BenchSample, type BenchSkip } from "./bench.js";

function text(record: Record<string, unknown>, keys: readonly string[], where: string): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" && typeof value !== "number")
      throw new BenchDataError(`${where}: "${key}" must be a string, got ${JSON.stringify(value)}`);
    return String(value);
  }
  return undefined;
}

function loader(path: string, id: string, limits: ImageLimits) {
  return async () => {
    try {
      return await readImage(path, limits);
    } catch (error) {
      throw new BadSampleError(`${id}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

export async function openFolderBench(folder: string, limits: ImageLimits = {}): Promise<Bench> {
  const root = resolve(folder);
  const metadata = join(root, METADATA_FILE);
  let content: string;
  try {
    content = await readFile(metadata, "utf8");
  } catch {
    throw new BenchDataError(
      `--bench ${root}: no ${METADATA_FILE}; a benchmark folder holds one line per sample: {"source": "a.png", "instruction": "...", "target": "a_edit.png"}`,
    );
  }
  const samples: BenchSample[] = [];
  const skipped: BenchSkip[] = [];
  const ids = new Set<string>();
  for (const [i, line] of content.split(/\r?\n/).entries()) {
    if (line.trim() === "") continue;
    const where = `${metadata}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new BenchDataError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BenchDataError(`${where}: expected a JSON object`);
    const record = value as Record<string, unknown>;
    const id = text(record, ["id"], where) ?? String(i + 1);
    if (ids.has(id)) throw new BenchDataError(`${where}: the id ${id} is used twice`);
    ids.add(id);
    const source = text(record, ["source", "source_file_name"], where);
    const target = text(record, ["target", "target_file_name"], where);
    const instruction = (text(record, ["instruction"], where) ?? "").trim();
    const missing = [source, target].filter((f): f is string => f !== undefined && !existsSync(resolve(root, f)));
    if (source === undefined) skipped.push({ id, reason: "no source image" });
    else if (instruction === "") skipped.push({ id, reason: "empty instruction" });
    else if (missing.length > 0) skipped.push({ id, reason: `missing file ${missing.join(", ")}` });
    else {
      samples.push({
        id,
        instruction,
        task: text(record, ["task"], where) ?? null,
        inputCaption: text(record, ["input_caption"], where),
        outputCaption: text(record, ["output_caption"], where),
        source: loader(resolve(root, source), id, limits),
        ...(target !== undefined ? { target: loader(resolve(root, target), id, limits) } : {}),
      });
    }
  }
  const measureAgainstSource = samples.every((s) => s.target === undefined);
  return { kind: "folder", description: `folder ${root}`, samples, skipped, dropped: [], measureAgainstSource };
}
