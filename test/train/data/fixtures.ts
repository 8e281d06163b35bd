/** Tiny training data made by the tests: PNGs written with the project's encoder, metadata.jsonl folders and parquet shards. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { encodeImage } from "../../../src/image/encode.js";
import { rgbImage, type RgbImage } from "../../../src/image/rgb.js";

/** A w x h image whose pixel (x, y) is (x * 7 + seed, y * 5 + seed, (x + y) * 3 + seed) mod 256: every row differs. */
export function patterned(width: number, height: number, seed = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([(x * 7 + seed) % 256, (y * 5 + seed) % 256, ((x + y) * 3 + seed) % 256], (y * width + x) * 3);
    }
  }
  return rgbImage(height, width, data);
}

/** A w x h image of one colour. */
export function solid(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return rgbImage(height, width, data);
}

export async function png(image: RgbImage): Promise<Uint8Array> {
  return encodeImage(image, "png");
}

export async function writePng(path: string, image: RgbImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await png(image));
}

/** Writes `folder`/metadata.jsonl from lines (objects are JSON-encoded, strings written as they are). */
export async function writeMetadata(folder: string, lines: readonly (object | string)[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  const text = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
  await writeFile(join(folder, "metadata.jsonl"), `${text}\n`);
}

/** An image cell as the Hugging Face datasets library stores it: {bytes, path}. */
export interface ImageCell {
  readonly bytes: Uint8Array | null;
  readonly path: string | null;
}

export const imageCell = (bytes: Uint8Array | null): ImageCell => ({ bytes, path: null });

const IMAGE_STRUCT = (name: string) => [
  { name, repetition_type: "OPTIONAL" as const, num_children: 2 },
  { name: "bytes", type: "BYTE_ARRAY" as const, repetition_type: "OPTIONAL" as const },
  { name: "path", type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const, repetition_type: "OPTIONAL" as const },
];
const TEXT = (name: string) => ({
  name,
  type: "BYTE_ARRAY" as const,
  converted_type: "UTF8" as const,
  repetition_type: "OPTIONAL" as const,
});

export interface MagicBrushRow {
  readonly source: ImageCell;
  readonly target: ImageCell;
  readonly instruction: string | null;
}

export interface OmniEditRow {
  readonly source: ImageCell;
  readonly target: ImageCell;
  readonly prompts: readonly string[];
  readonly task: string;
}

export interface ShardOptions {
  readonly rowGroupSize?: number;
  /** "GZIP": the shard is gzip-compressed (a codec the reader does not take). */
  readonly codec?: "SNAPPY" | "GZIP";
}

async function save(path: string, buffer: ArrayBuffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, new Uint8Array(buffer));
}

function codecOptions(options: ShardOptions): { codec?: "GZIP"; compressors?: { GZIP: (input: Uint8Array) => Uint8Array } } {
  return options.codec === "GZIP" ? { codec: "GZIP", compressors: { GZIP: (input) => new Uint8Array(gzipSync(input)) } } : {};
}

/** A shard with MagicBrush's columns (img_id, source_img, instruction, target_img). */
export async function writeMagicBrushShard(path: string, rows: readonly MagicBrushRow[], options: ShardOptions = {}): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "img_id", data: rows.map((_, i) => String(100 + i)) },
      { name: "source_img", data: rows.map((r) => r.source) },
      { name: "instruction", data: rows.map((r) => r.instruction) },
      { name: "target_img", data: rows.map((r) => r.target) },
    ],
    schema: [
      { name: "root", num_children: 4 },
      TEXT("img_id"),
      ...IMAGE_STRUCT("source_img"),
      TEXT("instruction"),
      ...IMAGE_STRUCT("target_img"),
    ],
    rowGroupSize: options.rowGroupSize ?? 1000,
    ...codecOptions(options),
  });
  await save(path, buffer);
}

/** A shard with OmniEdit's columns (src_img, edited_img, edited_prompt_list, task). */
export async function writeOmniEditShard(path: string, rows: readonly OmniEditRow[], options: ShardOptions = {}): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "src_img", data: rows.map((r) => r.source) },
      { name: "edited_img", data: rows.map((r) => r.target) },
      { name: "edited_prompt_list", data: rows.map((r) => [...r.prompts]) },
      { name: "task", data: rows.map((r) => r.task) },
    ],
    schema: [
      { name: "root", num_children: 4 },
      ...IMAGE_STRUCT("src_img"),
      ...IMAGE_STRUCT("edited_img"),
      { name: "edited_prompt_list", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      TEXT("task"),
    ],
    rowGroupSize: options.rowGroupSize ?? 1000,
    ...codecOptions(options),
  });
  await save(path, buffer);
}

/** A shard with other columns (neither layout). */
export async function writeOtherShard(path: string): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "image", data: ["a"], type: "STRING" },
      { name: "caption", data: ["b"], type: "STRING" },
    ],
  });
  await save(path, buffer);
}
