/**
 * A folder of images described by metadata.jsonl, one JSON object a line (the Hugging Face
 * image-folder convention): {"source": "a.png", "target": "a_edit.png", "instruction": "..."},
 * paths relative to the folder. The image columns may also be named as the image-folder loader
 * names extra image columns (`source_file_name`, `target_file_name`). At open every line is
 * parsed (a bad line is an error naming its number) and every file is stat'ed (a missing one, like
 * an empty instruction, is a counted skip); images are decoded only by get().
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readImage } from "../../image/decode.js";
import type { ImageLimits } from "../../image/limits.js";
import { errorCode, fsReason } from "../../image/fs-reason.js";
import { TrainingDataError } from "./errors.js";
import { loadPair } from "./load-pair.js";
import type { SkipLog, SkipReport } from "./skip-log.js";
import type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";

export const METADATA_FILE = "metadata.jsonl";

const SOURCE_KEYS = ["source", "source_file_name"] as const;
const TARGET_KEYS = ["target", "target_file_name"] as const;

interface FolderEntry {
  readonly source: string;
  readonly target: string;
  readonly instruction: string;
  readonly origin: string;
  /** Set when the up-front checks found the example unusable. */
  readonly usable: boolean;
  readonly stamp: string;
}

function field(record: Record<string, unknown>, keys: readonly string[], where: string, what: string): string {
  for (const key of keys) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new TrainingDataError(where, `${where}: "${key}" must be a string, got ${JSON.stringify(value)}`);
    return value;
  }
  throw new TrainingDataError(where, `${where}: no ${what} (expected the key ${keys.map((k) => `"${k}"`).join(" or ")})`);
}

function parseLine(text: string, where: string): { source: string; target: string; instruction: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TrainingDataError(
      where,
      `${where}: not valid JSON (${why}); each line must be one object like {"source": "a.png", "target": "a_edit.png", "instruction": "..."}`,
      {
        cause: error,
      },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TrainingDataError(where, `${where}: expected a JSON object, got ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  return {
    source: field(record, SOURCE_KEYS, where, "source image"),
    target: field(record, TARGET_KEYS, where, "target image"),
    instruction: field(record, ["instruction"], where, "instruction"),
  };
}

async function readMetadata(folder: string): Promise<string> {
  const path = join(folder, METADATA_FILE);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const why = errorCode(error) === "ENOENT" ? "no such file" : fsReason(error);
    throw new TrainingDataError(
      path,
      `cannot read ${path}: ${why}; a training folder needs a metadata.jsonl with one line per example: {"source": "a.png", "target": "a_edit.png", "instruction": "..."}`,
      { cause: error },
    );
  }
}

/** "size:mtime" of a file, or why it cannot be used. */
async function fileStamp(path: string): Promise<{ stamp: string } | { missing: string }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { missing: `${path} is not a file` };
    return { stamp: `${info.size}:${info.mtimeMs}` };
  } catch (error) {
    return { missing: `${path}: ${errorCode(error) === "ENOENT" ? "no such file" : fsReason(error)}` };
  }
}

export interface FolderOptions {
  readonly limits?: ImageLimits;
  /** Prefix of the skip keys, so several data sets share one log. */
  readonly keyPrefix?: string;
}

/** Opens the folder: parses metadata.jsonl and checks every example's files and instruction. */
export async function openImageFolder(folder: string, log: SkipLog, options: FolderOptions = {}): Promise<TrainingData> {
  const root = resolve(folder);
  const metadata = join(root, METADATA_FILE);
  const lines = (await readMetadata(root)).split(/\r?\n/);
  const entries: FolderEntry[] = [];
  const prefix = options.keyPrefix ?? "";
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] as string).trim();
    if (text === "") continue;
    const origin = `${metadata}:${i + 1}`;
    const parsed = parseLine(text, origin);
    const key = `${prefix}${entries.length}`;
    const source = resolve(root, parsed.source);
    const target = resolve(root, parsed.target);
    const instruction = parsed.instruction.trim();
    let usable = true;
    const stamps: string[] = [];
    if (instruction === "") {
      log.add(key, { origin, reason: "empty-instruction", detail: "the instruction is empty" });
      usable = false;
    } else {
      for (const [what, path] of [
        ["source", source],
        ["target", target],
      ] as const) {
        const found = await fileStamp(path);
        if ("missing" in found) {
          log.add(key, { origin, reason: "missing-file", detail: `${what}: ${found.missing}` });
          usable = false;
          break;
        }
        stamps.push(`${path}:${found.stamp}`);
      }
    }
    entries.push({ source, target, instruction, origin, usable, stamp: stamps.join("|") });
  }
  if (entries.length === 0) throw new TrainingDataError(metadata, `${metadata} lists no examples`);
  return new ImageFolderData(entries, log, prefix, options.limits ?? {});
}

class ImageFolderData implements TrainingData {
  constructor(
    private readonly entries: readonly FolderEntry[],
    private readonly log: SkipLog,
    private readonly prefix: string,
    private readonly limits: ImageLimits,
  ) {}

  get count(): number {
    return this.entries.length;
  }

  get skipped(): SkipReport {
    return this.log;
  }

  private entry(index: number): FolderEntry {
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`example ${index} is out of range (0 to ${this.entries.length - 1})`);
    return entry;
  }

  identity(index: number): TripletIdentity | null {
    const e = this.entry(index);
    return e.usable ? { stamp: e.stamp, instruction: e.instruction, origin: e.origin } : null;
  }

  async get(index: number): Promise<EditTriplet | null> {
    const e = this.entry(index);
    if (!e.usable) return null;
    return loadPair(
      {
        loadSource: () => readImage(e.source, this.limits),
        loadTarget: () => readImage(e.target, this.limits),
        instruction: e.instruction,
        origin: e.origin,
        cropWatermark: false,
        skipKey: `${this.prefix}${index}`,
      },
      this.log,
    );
  }
}
