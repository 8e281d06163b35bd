/**
 * Writes N edit triplets of the synthetic world in the layout `icedit train` reads
 * (src/train/data/image-folder.ts): a folder with metadata.jsonl, one line per example,
 *   {"source": "images/00000_source.png", "target": "images/00000_target.png",
 *    "instruction": "make the red circle blue", "kind": "recolour", "seed": 1000}
 * (kind and seed are extra keys the reader ignores: they let an evaluation redraw the example and
 * its masks with sampleEditExample(seed, kind)). Example i has seed firstSeed + i and kind
 * EDIT_KINDS[i % 4], so the kinds are balanced (counts differ by at most one). Images are PNG.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import { writeFileAtomic } from "../../image/atomic-write.js";
import { writeImage } from "../../image/write.js";
import { METADATA_FILE } from "../../train/data/image-folder.js";
import { ADDED_SHAPE_SIZE } from "./draw-edit.js";
import { sampleEditExample } from "./edit-example.js";
import { EDIT_KINDS, type EditKind } from "./edits.js";
import { DEFAULT_CANVAS } from "./render.js";
import { SCENE_RULES } from "./scene.js";

export interface SceneDatasetOptions {
  /** How many examples. */
  readonly count: number;
  /** The seed of example 0; example i uses firstSeed + i (default 0). */
  readonly firstSeed?: number;
  /** Canvas side in pixels (default 128). */
  readonly size?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface EditDatasetOptions extends SceneDatasetOptions {
  /** The side of an added shape, canvas units: within the grammar's 1/6 to 1/3 (default ADDED_SHAPE_SIZE). */
  readonly addedSize?: number;
}

export interface EditDatasetSummary {
  readonly count: number;
  readonly perKind: Readonly<Record<EditKind, number>>;
  readonly metadata: string;
}

export function checkDatasetOptions(options: SceneDatasetOptions): { count: number; firstSeed: number; size: number } {
  const { count } = options;
  const firstSeed = options.firstSeed ?? 0;
  const size = options.size ?? DEFAULT_CANVAS;
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(firstSeed) || firstSeed < 0 || firstSeed + count > 2 ** 32) {
    throw new InvalidArgumentError(`seeds must be integers in [0, 2^32): firstSeed ${firstSeed}, count ${count}`);
  }
  if (!Number.isInteger(size) || size < 8) throw new InvalidArgumentError(`size must be an integer of at least 8, got ${size}`);
  return { count, firstSeed, size };
}

export const exampleName = (i: number): string => String(i).padStart(5, "0");

export async function writeEditDataset(folder: string, options: EditDatasetOptions): Promise<EditDatasetSummary> {
  const { count, firstSeed, size } = checkDatasetOptions(options);
  const addedSize = options.addedSize ?? ADDED_SHAPE_SIZE;
  if (!(addedSize >= SCENE_RULES.minSize && addedSize <= SCENE_RULES.maxSize)) {
    throw new InvalidArgumentError(`the added shape's size must be within the grammar's 1/6 to 1/3 of the width, got ${addedSize}`);
  }
  await mkdir(join(folder, "images"), { recursive: true });
  const perKind: Record<EditKind, number> = { recolour: 0, remove: 0, background: 0, add: 0 };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    options.signal?.throwIfAborted();
    const kind = EDIT_KINDS[i % EDIT_KINDS.length] as EditKind;
    const seed = firstSeed + i;
    const example = sampleEditExample(seed, kind, { size, addedSize });
    const source = `images/${exampleName(i)}_source.png`;
    const target = `images/${exampleName(i)}_target.png`;
    await writeImage(join(folder, source), example.source);
    await writeImage(join(folder, target), example.target);
    lines.push(JSON.stringify({ source, target, instruction: example.instruction, kind, seed }));
    perKind[kind]++;
    options.onProgress?.(i + 1, count);
  }
  const metadata = join(folder, METADATA_FILE);
  await writeFileAtomic(metadata, new TextEncoder().encode(`${lines.join("\n")}\n`));
  return { count, perKind, metadata };
}
