/**
 * A folder of edit triplets drawn by anyone, for `icedit eval-demo --scenes DIR`:
 *   DIR/edits.jsonl, one JSON object a line (blank lines skipped), paths relative to DIR:
 *     { "source": "scene-0.png", "target": "target-0.png", "instruction": "remove the red circle", "kind": "remove" }
 *   "kind" may be left out: it is then read from the instruction's form (instruction.ts); when given,
 *   it must agree with it. Every scene is a square canvas (issue 15's world), all of one size, and
 *   each target is drawn at its source's size. The rule's masks come from the images alone
 *   (image-masks.ts), so any drawer's scenes are scored as the held-out ones are.
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { IceditError } from "../../errors.js";
import { readImage, type RgbImage } from "../../image/index.js";
import { ScenesFolderError } from "./errors.js";
import type { EvalExample } from "./eval-example.js";
import { imageMasks } from "./image-masks.js";
import { EDIT_KINDS, parseInstruction, type EditKind } from "./instruction.js";

export const SCENES_FILE = "edits.jsonl";

/** One line of edits.jsonl. */
export interface SceneEditLine {
  readonly source: string;
  readonly target: string;
  readonly instruction: string;
  readonly kind?: EditKind;
}

export interface ScenesFolder {
  readonly dir: string;
  /** The side of every scene, in pixels. */
  readonly size: number;
  /** [N] examples, in the order of edits.jsonl; `file` is the line's source. */
  readonly examples: readonly EvalExample[];
}

/** DIR -> its N triplets with image-derived masks; every problem is a ScenesFolderError naming the file and line. */
export async function readScenesFolder(dir: string): Promise<ScenesFolder> {
  const folder = resolve(dir);
  const info = await stat(folder).catch(() => null);
  if (info === null || !info.isDirectory())
    throw new ScenesFolderError(`the scenes folder ${folder} does not exist: give a folder that holds ${SCENES_FILE} and its images`);
  const listing = join(folder, SCENES_FILE);
  const text = await readFile(listing, "utf8").catch(() => null);
  if (text === null) throw new ScenesFolderError(`${listing} is missing: a scenes folder lists its edits there, one JSON object a line`);
  const examples: EvalExample[] = [];
  let size: number | null = null;
  for (const [n, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${listing} line ${n + 1}`;
    const line = parseLine(raw, where);
    const kind = kindOf(line, where);
    const source = await readAt(folder, line.source, where);
    const target = await readAt(folder, line.target, where);
    const [h, w] = source.dims as [number, number];
    const [th, tw] = target.dims as [number, number];
    if (th !== h || tw !== w)
      throw new ScenesFolderError(
        `${where}: the target ${line.target} is ${tw}x${th}, the source ${line.source} ${w}x${h}: draw both at one size`,
      );
    if (w !== h) throw new ScenesFolderError(`${where}: ${line.source} is ${w}x${h}; the demo world's scenes are square canvases`);
    if (size !== null && w !== size)
      throw new ScenesFolderError(
        `${where}: ${line.source} is ${w}x${h}, the folder's first scene ${size}x${size}: draw every scene at one size`,
      );
    size = w;
    const masks = imageMasks(source, target);
    if (!masks.region.data.some((v) => v !== 0))
      throw new ScenesFolderError(
        `${where}: ${line.target} shows the same picture as ${line.source}: an edit's target must differ from its source`,
      );
    examples.push({
      index: examples.length,
      seed: null,
      file: line.source,
      example: { kind, instruction: line.instruction, source, target, ...masks },
    });
  }
  if (size === null) throw new ScenesFolderError(`${listing} lists no edits: write one JSON object a line`);
  return { dir: folder, size, examples };
}

function parseLine(raw: string, where: string): SceneEditLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ScenesFolderError(
      `${where} is not JSON (${error instanceof Error ? error.message : String(error)}): write one object a line`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ScenesFolderError(`${where} is not a JSON object: write { "source": ..., "target": ..., "instruction": ... }`);
  const record = value as Record<string, unknown>;
  const text = (field: string): string => {
    const v = record[field];
    if (typeof v !== "string" || v === "")
      throw new ScenesFolderError(`${where} needs "${field}" as a non-empty string, got ${JSON.stringify(v) ?? "nothing"}`);
    return v;
  };
  const line = { source: text("source"), target: text("target"), instruction: text("instruction") };
  const kind = record.kind;
  if (kind === undefined) return line;
  const known = EDIT_KINDS.find((k) => k === kind);
  if (known === undefined)
    throw new ScenesFolderError(`${where}: "kind" is one of ${EDIT_KINDS.join(", ")} (or left out), got ${JSON.stringify(kind)}`);
  return { ...line, kind: known };
}

/** The line's kind: its instruction's form, which a given "kind" must match. */
function kindOf(line: SceneEditLine, where: string): EditKind {
  let form: EditKind;
  try {
    form = parseInstruction(line.instruction).kind;
  } catch (error) {
    if (error instanceof IceditError) throw new ScenesFolderError(`${where}: ${error.message}`);
    throw error;
  }
  if (line.kind !== undefined && line.kind !== form)
    throw new ScenesFolderError(`${where}: "kind" is ${line.kind}, but "${line.instruction}" is a ${form} instruction`);
  return form;
}

async function readAt(folder: string, file: string, where: string): Promise<RgbImage> {
  try {
    return await readImage(resolve(folder, file));
  } catch (error) {
    if (error instanceof IceditError) throw new ScenesFolderError(`${where}: ${error.message}`);
    throw error;
  }
}
