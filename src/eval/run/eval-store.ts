/**
 * The output folder of one evaluation, written as it goes so that a killed run resumes:
 *   run.json            the settings; a rerun with other settings is refused (its scores would mix)
 *   edits/<id>.png      each edited image (not with --predictions), written before its record
 *   samples/<id>.json   each sample's record (scores, or why it was skipped), written last
 *   method.json         the editing method the model ran (icedit or kontext), once it edited
 * Every file is written atomically; a sample counts as done once its record exists.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { IceditError } from "../../errors.js";
import { writeFileAtomic } from "../../image/atomic-write.js";
import { readImage } from "../../image/decode.js";
import type { RgbImage } from "../../image/rgb.js";
import { writeImage } from "../../image/write.js";
import type { SampleRecord } from "./sample-record.js";
import type { EditMethod } from "../../components/icedit-models.js";

/** The folder holds a run made with other settings. */
export class EvalStoreError extends IceditError {}

/** A file name for an id: every character outside [A-Za-z0-9_-] as ~XX (its UTF-8 bytes), so names never collide. */
export function fileNameOf(id: string): string {
  return [...new TextEncoder().encode(id)]
    .map((b) => {
      const ch = String.fromCharCode(b);
      return /[A-Za-z0-9_-]/.test(ch) ? ch : `~${b.toString(16).padStart(2, "0")}`;
    })
    .join("");
}

const encoder = new TextEncoder();

function json(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** Keys of two settings objects whose values differ. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export class EvalStore {
  private constructor(readonly dir: string) {}

  /** Opens (or starts) the run in `dir`; refuses a folder whose run.json has other settings. */
  static async open(dir: string, settings: Record<string, unknown>): Promise<EvalStore> {
    const root = resolve(dir);
    const runFile = join(root, "run.json");
    if (existsSync(runFile)) {
      let stored: Record<string, unknown>;
      try {
        stored = JSON.parse(await readFile(runFile, "utf8")) as Record<string, unknown>;
      } catch (error) {
        throw new EvalStoreError(`${runFile} is not valid JSON (${(error as Error).message}): remove ${root} or choose another --out`);
      }
      const changed = differences(stored, settings);
      if (changed.length > 0)
        throw new EvalStoreError(
          `${root} holds a run with other settings (${changed.join(", ")}): resume it with the same options, or choose another --out`,
        );
    }
    await mkdir(join(root, "edits"), { recursive: true });
    await mkdir(join(root, "samples"), { recursive: true });
    if (!existsSync(runFile)) await writeFileAtomic(runFile, json(settings));
    return new EvalStore(root);
  }

  editPath(id: string): string {
    return join(this.dir, "edits", `${fileNameOf(id)}.png`);
  }

  private recordPath(id: string): string {
    return join(this.dir, "samples", `${fileNameOf(id)}.json`);
  }

  /** The sample's record when it is done, else null. */
  async done(id: string): Promise<SampleRecord | null> {
    const path = this.recordPath(id);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(await readFile(path, "utf8")) as SampleRecord;
    } catch {
      return null; // an unreadable record is redone
    }
  }

  /** The edited image written for `id` by this run, or null. */
  async edited(id: string): Promise<RgbImage | null> {
    const path = this.editPath(id);
    return existsSync(path) ? readImage(path) : null;
  }

  async writeEdit(id: string, image: RgbImage): Promise<void> {
    await writeImage(this.editPath(id), image);
  }

  async writeRecord(record: SampleRecord): Promise<void> {
    await writeFileAtomic(this.recordPath(record.id), json(record));
  }

  /** The method the run's model edits with, as its first edit found it (null: no edit yet, or --predictions). */
  async editMethod(): Promise<EditMethod | null> {
    const path = join(this.dir, "method.json");
    if (!existsSync(path)) return null;
    try {
      const { method } = JSON.parse(await readFile(path, "utf8")) as { method?: unknown };
      return method === "icedit" || method === "kontext" ? method : null;
    } catch {
      return null; // unreadable: written again by the next edit
    }
  }

  async writeEditMethod(method: EditMethod): Promise<void> {
    await writeFileAtomic(join(this.dir, "method.json"), json({ method }));
  }

  async writeFile(name: string, content: string | Uint8Array): Promise<string> {
    const path = join(this.dir, name);
    await writeFileAtomic(path, typeof content === "string" ? encoder.encode(content) : content);
    return path;
  }
}
