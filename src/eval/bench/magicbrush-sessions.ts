/**
 * The MagicBrush test split as its authors distribute it (the Hugging Face data set osunlp/MagicBrush
 * holds only train and dev): a folder with edit_sessions.json,
 *   {"<img_id>": [{"input": "<img_id>-input.png", "mask": "...", "output": "<img_id>-output1.png",
 *                  "instruction": "..."}, ...turns in order]}
 * and the images in images/<img_id>/. Turn k of a session is sample "<img_id>-<k>" (k from 1), as
 * the parquet layout names it. A missing image or an empty instruction is a counted skip.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readImage } from "../../image/decode.js";
import type { ImageLimits } from "../../image/limits.js";
import { BadSampleError, BenchDataError, type Bench, type BenchSample, type BenchSkip } from "./bench.js";

export const EDIT_SESSIONS_FILE = "edit_sessions.json";

function loader(path: string, id: string, limits: ImageLimits) {
  return async () => {
    try {
      return await readImage(path, limits);
    } catch (error) {
      throw new BadSampleError(`${id}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

function turnField(turn: unknown, key: string): string {
  if (typeof turn !== "object" || turn === null) return "";
  const value = (turn as Record<string, unknown>)[key];
  return typeof value === "string" ? value : "";
}

/** Reads `dir`/edit_sessions.json (dir: the unpacked test folder, or the folder above it holding test/). */
export async function openMagicBrushSessions(dir: string, limits: ImageLimits = {}): Promise<Bench> {
  const root = existsSync(join(dir, EDIT_SESSIONS_FILE)) ? resolve(dir) : resolve(dir, "test");
  const file = join(root, EDIT_SESSIONS_FILE);
  let sessions: unknown;
  try {
    sessions = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new BenchDataError(`${file}: cannot be read as JSON (${(error as Error).message})`);
  }
  if (typeof sessions !== "object" || sessions === null || Array.isArray(sessions))
    throw new BenchDataError(`${file}: expected an object of sessions {"<img_id>": [turns]}`);
  const samples: BenchSample[] = [];
  const skipped: BenchSkip[] = [];
  for (const [session, turns] of Object.entries(sessions as Record<string, unknown>)) {
    if (!Array.isArray(turns)) throw new BenchDataError(`${file}: session ${session} must be a list of turns`);
    const usable = turns.flatMap((turn, k) => {
      const id = `${session}-${k + 1}`;
      const instruction = turnField(turn, "instruction").trim();
      const [input, output] = ["input", "output"].map((key) => join(root, "images", session, turnField(turn, key)));
      const missing = [turnField(turn, "input") === "" ? "" : input, turnField(turn, "output") === "" ? "" : output].filter(
        (p) => p === "" || !existsSync(p),
      );
      if (instruction === "") skipped.push({ id, reason: "empty instruction" });
      else if (missing.length > 0) skipped.push({ id, reason: `missing image ${missing.map((p) => p || "(not named)").join(", ")}` });
      else return [{ id, index: k + 1, instruction, input: input as string, output: output as string }];
      return [];
    });
    usable.forEach((t, i) => {
      samples.push({
        id: t.id,
        instruction: t.instruction,
        task: null,
        turn: { session, index: t.index, final: i === usable.length - 1, previous: i === 0 ? null : (usable[i - 1]?.id ?? null) },
        source: loader(t.input, t.id, limits),
        target: loader(t.output, t.id, limits),
      });
    });
  }
  const description = `MagicBrush edit sessions: ${file}`;
  return { kind: "magicbrush", description, samples, skipped, dropped: [], measureAgainstSource: false };
}
