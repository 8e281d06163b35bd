/**
 * Writes a folder of external scenes for `icedit eval-demo --scenes DIR`: scene-<i>.png (the source),
 * target-<i>.png (the edited scene drawn exactly: same figures, the one attribute changed) and
 * edits.jsonl, one line an edit. Edit i has form EDIT_FORMS[i % 4], so the forms are balanced; the
 * whole folder follows from the seed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { rgbImage, writeImage } from "../../src/image/index.js";
import { rasterise } from "./raster.js";
import { XorShift32 } from "./rng.js";
import { drawEditOf } from "./sample.js";
import { EDIT_FORMS, wordsOf, type EditForm } from "./world.js";

export const EXTERNAL_SIZE = 128;
/** The default seed of a drawn folder: fixed, so the bench draws the same scenes every time. */
export const EXTERNAL_SEED = 150_415;

export interface ExternalScenesOptions {
  readonly count: number;
  readonly seed?: number;
  /** Canvas side in pixels (default 128, as the graders draw). */
  readonly size?: number;
}

export interface ExternalEditLine {
  readonly source: string;
  readonly target: string;
  readonly instruction: string;
  readonly kind: EditForm;
}

/** Draws `count` edits into `dir` (created if needed) and gives the lines of its edits.jsonl. */
export async function writeExternalScenes(dir: string, options: ExternalScenesOptions): Promise<ExternalEditLine[]> {
  const size = options.size ?? EXTERNAL_SIZE;
  if (!Number.isSafeInteger(options.count) || options.count < 1) throw new RangeError(`count is a whole number >= 1, got ${options.count}`);
  if (!Number.isSafeInteger(size) || size < 24) throw new RangeError(`size is a whole number >= 24, got ${size}`);
  const rng = new XorShift32(options.seed ?? EXTERNAL_SEED);
  await mkdir(dir, { recursive: true });
  const lines: ExternalEditLine[] = [];
  for (let i = 0; i < options.count; i++) {
    const kind = EDIT_FORMS[i % EDIT_FORMS.length] as EditForm;
    const edit = drawEditOf(rng, size, kind);
    const line = { source: `scene-${i}.png`, target: `target-${i}.png`, instruction: wordsOf(edit.instruction), kind };
    await writeImage(join(dir, line.source), rgbImage(size, size, rasterise(edit.source)));
    await writeImage(join(dir, line.target), rgbImage(size, size, rasterise(edit.target)));
    lines.push(line);
  }
  await writeFile(join(dir, "edits.jsonl"), lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
  return lines;
}
