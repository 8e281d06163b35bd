/**
 * Writes N captioned scenes with random in-painting masks, for training the base (fill) model.
 * Layout: a folder with inpainting.jsonl, one line per example,
 *   {"image": "images/00000.png", "mask": "masks/00000.png", "caption": "a red circle on a white background",
 *    "mask_kind": "rectangle", "seed": 0}
 * images are PNG [size, size] RGB; masks are PNG, grey (the three channels equal), 255 where the
 * model fills in and 0 elsewhere. Example i draws its scene and then its mask from Prng(firstSeed
 * + i); its mask kind is INPAINTING_MASK_KINDS[i % 3] (rectangle, half, shape: balanced).
 * The scene of seed s is sampleScene(s), the same scene an edit example of seed s starts from
 * (write-edit-dataset.ts): give the base, the adapter and the held-out evaluation disjoint seed
 * ranges.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../image/atomic-write.js";
import { writeImage } from "../../image/write.js";
import { Prng } from "../../numeric/prng.js";
import { captionOf } from "./caption.js";
import { drawInpaintingMask, INPAINTING_MASK_KINDS, type InpaintingMaskKind, maskAsRgb } from "./inpainting-masks.js";
import { renderScene } from "./render.js";
import { drawScene } from "./sample-scene.js";
import { checkDatasetOptions, exampleName, type SceneDatasetOptions } from "./write-edit-dataset.js";

export const INPAINTING_FILE = "inpainting.jsonl";

/** One line of inpainting.jsonl. */
export interface InpaintingRecord {
  readonly image: string;
  readonly mask: string;
  readonly caption: string;
  readonly mask_kind: InpaintingMaskKind;
  readonly seed: number;
}

export async function writeInpaintingDataset(folder: string, options: SceneDatasetOptions): Promise<{ count: number; file: string }> {
  const { count, firstSeed, size } = checkDatasetOptions(options);
  await mkdir(join(folder, "images"), { recursive: true });
  await mkdir(join(folder, "masks"), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    options.signal?.throwIfAborted();
    const seed = firstSeed + i;
    const prng = new Prng(seed);
    const scene = drawScene(prng);
    const kind = INPAINTING_MASK_KINDS[i % INPAINTING_MASK_KINDS.length] as InpaintingMaskKind;
    const mask = drawInpaintingMask(prng, scene, kind, size);
    const record: InpaintingRecord = {
      image: `images/${exampleName(i)}.png`,
      mask: `masks/${exampleName(i)}.png`,
      caption: captionOf(scene),
      mask_kind: kind,
      seed,
    };
    await writeImage(join(folder, record.image), renderScene(scene, { size }));
    await writeImage(join(folder, record.mask), maskAsRgb(mask));
    lines.push(JSON.stringify(record));
    options.onProgress?.(i + 1, count);
  }
  const file = join(folder, INPAINTING_FILE);
  await writeFileAtomic(file, new TextEncoder().encode(`${lines.join("\n")}\n`));
  return { count, file };
}
