/**
 * Tiny benchmark files made by the tests, in the layouts the Hugging Face files have: the
 * MagicBrush test split (img_id, turn_index, source_img, mask_img, instruction, target_img) and
 * the Emu Edit test set (idx, image, instruction, input_caption, output_caption, task), images as
 * structs {bytes, path} holding PNG bytes.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { imageCell, patterned, png, type ImageCell } from "../train/data/fixtures.js";

const IMAGE = (name: string) => [
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
const INT = (name: string) => ({ name, type: "INT32" as const, repetition_type: "OPTIONAL" as const });

async function save(path: string, buffer: ArrayBuffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, new Uint8Array(buffer));
}

export interface MagicBrushTestRow {
  readonly session: string;
  readonly turn: number;
  readonly instruction: string;
  readonly source: ImageCell;
  readonly target: ImageCell;
}

export async function writeMagicBrushTest(path: string, rows: readonly MagicBrushTestRow[]): Promise<void> {
  const mask = imageCell(await png(patterned(8, 8, 99)));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "img_id", data: rows.map((r) => r.session) },
      { name: "turn_index", data: rows.map((r) => r.turn) },
      { name: "source_img", data: rows.map((r) => r.source) },
      { name: "mask_img", data: rows.map(() => mask) },
      { name: "instruction", data: rows.map((r) => r.instruction) },
      { name: "target_img", data: rows.map((r) => r.target) },
    ],
    schema: [
      { name: "root", num_children: 6 },
      TEXT("img_id"),
      INT("turn_index"),
      ...IMAGE("source_img"),
      ...IMAGE("mask_img"),
      TEXT("instruction"),
      ...IMAGE("target_img"),
    ],
  });
  await save(path, buffer);
}

export interface EmuEditRow {
  readonly idx: number;
  readonly image: ImageCell;
  readonly instruction: string;
  readonly inputCaption: string;
  readonly outputCaption: string;
  readonly task: string;
}

export async function writeEmuEditTest(path: string, rows: readonly EmuEditRow[]): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "instruction", data: rows.map((r) => r.instruction) },
      { name: "image", data: rows.map((r) => r.image) },
      { name: "task", data: rows.map((r) => r.task) },
      { name: "split", data: rows.map(() => "test") },
      { name: "idx", data: rows.map((r) => r.idx) },
      { name: "input_caption", data: rows.map((r) => r.inputCaption) },
      { name: "output_caption", data: rows.map((r) => r.outputCaption) },
    ],
    schema: [
      { name: "root", num_children: 7 },
      TEXT("instruction"),
      ...IMAGE("image"),
      TEXT("task"),
      TEXT("split"),
      INT("idx"),
      TEXT("input_caption"),
      TEXT("output_caption"),
    ],
  });
  await save(path, buffer);
}

/** A 32 x 32 image per seed. */
export async function cell(seed: number): Promise<ImageCell> {
  return imageCell(await png(patterned(32, 32, seed)));
}

/**
 * MagicBrush: session "s1" with turns 1-2, session "s2" with turns 1-3 (rows out of order), one
 * row with no source bytes (s3-1) and one with an empty instruction (s4-1).
 */
export async function magicBrushRows(): Promise<MagicBrushTestRow[]> {
  return [
    { session: "s1", turn: 1, instruction: "add a hat", source: await cell(1), target: await cell(2) },
    { session: "s1", turn: 2, instruction: "make it red", source: await cell(2), target: await cell(3) },
    { session: "s2", turn: 2, instruction: "remove the dog", source: await cell(5), target: await cell(6) },
    { session: "s2", turn: 1, instruction: "make the sky blue", source: await cell(4), target: await cell(5) },
    { session: "s2", turn: 3, instruction: "add snow", source: await cell(6), target: await cell(7) },
    { session: "s3", turn: 1, instruction: "add a cat", source: imageCell(null), target: await cell(8) },
    { session: "s4", turn: 1, instruction: "  ", source: await cell(9), target: await cell(10) },
  ];
}

/** Emu Edit: four rows, one with equal captions (dropped), one with an empty instruction, one without image bytes. */
export async function emuEditRows(): Promise<EmuEditRow[]> {
  const captions = { inputCaption: "a house", outputCaption: "a red house" };
  return [
    { idx: 10, image: await cell(1), instruction: "make the house red", task: "local", ...captions },
    {
      idx: 11,
      image: await cell(2),
      instruction: "make it night",
      task: "global",
      inputCaption: "a street",
      outputCaption: "a street at night",
    },
    { idx: 12, image: await cell(3), instruction: "do nothing", task: "global", inputCaption: "a cat", outputCaption: "a cat" },
    { idx: 13, image: await cell(4), instruction: "", task: "local", ...captions },
    { idx: 14, image: imageCell(null), instruction: "add a tree", task: "add", ...captions },
  ];
}
