/**
 * A model folder's own settings: an `icedit.json` beside model_index.json may name the adapter an
 * edit uses when none is asked for, the width and guidance the model was trained for, and the true
 * CFG scale it edits best with:
 *   {"adapter": "icedit-moe-lora/ICEdit-MoE-LoRA.safetensors", "edit": {"width": 64, "guidance": 1, "trueCfgScale": 2.5}}
 * as make-demo-model writes for the trained demo, which knows only 64-pixel halves and, never
 * guidance-distilled, only the guidance 1 it was trained with. They apply where an edit's options
 * are silent, before EDIT_DEFAULTS; a folder without the file (every published FLUX.1 Fill) keeps
 * EDIT_DEFAULTS and the usual adapter choice.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { ModelFolderError } from "../weights/hub/errors.js";
import type { EditOptions } from "./edit-options.js";

export const MODEL_SETTINGS_FILE = "icedit.json";

export interface ModelEditDefaults {
  /** Width of the edited image the model was trained for: a multiple of 16. */
  readonly width?: number;
  /** The distilled guidance the model expects. */
  readonly guidance?: number;
  /** True classifier-free guidance's scale the model edits best with (EditOptions.trueCfgScale). */
  readonly trueCfgScale?: number;
  /** Kontext: use images at their own size (the tiny Kontext demo), not the preferred ~1 MP size. */
  readonly keepSize?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface ModelSettings {
  readonly edit: ModelEditDefaults;
  /** The folder's default adapter (an absolute path inside the folder), when icedit.json names one. */
  readonly adapter?: string;
}

/** `<root>/icedit.json`, checked; { edit: {} } without the file. */
export async function readModelSettings(root: string): Promise<ModelSettings> {
  const path = join(root, MODEL_SETTINGS_FILE);
  if (!existsSync(path)) return { edit: {} };
  const bad = (why: string): ModelFolderError => new ModelFolderError(root, MODEL_SETTINGS_FILE, `${why}: fix or remove ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw bad(`is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(json)) throw bad("must hold a JSON object");
  for (const key of Object.keys(json)) {
    if (key !== "edit" && key !== "adapter") throw bad(`"${key}" is not a setting (known: adapter, edit)`);
  }
  const adapter = json["adapter"] === undefined ? undefined : adapterPath(root, json["adapter"], bad);
  const edit = json["edit"] === undefined ? {} : editDefaults(json["edit"], bad);
  return adapter === undefined ? { edit } : { edit, adapter };
}

/** "adapter": a file inside the folder, named relative to it. */
function adapterPath(root: string, value: unknown, bad: (why: string) => ModelFolderError): string {
  if (typeof value !== "string" || value === "" || isAbsolute(value) || normalize(value).split(sep).includes(".."))
    throw bad(`"adapter" must name a file inside the folder, relative to it, got ${JSON.stringify(value)}`);
  const path = join(root, value);
  if (!existsSync(path)) throw bad(`"adapter" names ${path}, which does not exist`);
  return path;
}

function editDefaults(edit: unknown, bad: (why: string) => ModelFolderError): ModelEditDefaults {
  if (!isRecord(edit)) throw bad(`"edit" must be an object such as {"width": 64, "guidance": 1}`);
  for (const key of Object.keys(edit)) {
    if (key !== "width" && key !== "guidance" && key !== "trueCfgScale" && key !== "keepSize")
      throw bad(`"edit.${key}" is not a setting (known: width, guidance, trueCfgScale, keepSize)`);
  }
  const { width, guidance, trueCfgScale, keepSize } = edit;
  if (width !== undefined && (typeof width !== "number" || !Number.isInteger(width) || width < 16 || width % 16 !== 0))
    throw bad(`"edit.width" must be a multiple of 16, got ${JSON.stringify(width)}`);
  if (guidance !== undefined && (typeof guidance !== "number" || !Number.isFinite(guidance) || guidance < 0))
    throw bad(`"edit.guidance" must be a number of at least 0, got ${JSON.stringify(guidance)}`);
  if (trueCfgScale !== undefined && (typeof trueCfgScale !== "number" || !Number.isFinite(trueCfgScale) || trueCfgScale < 1))
    throw bad(`"edit.trueCfgScale" must be a number of at least 1 (1: off), got ${JSON.stringify(trueCfgScale)}`);
  if (keepSize !== undefined && typeof keepSize !== "boolean")
    throw bad(`"edit.keepSize" must be true or false, got ${JSON.stringify(keepSize)}`);
  return {
    ...(width === undefined ? {} : { width: width as number }),
    ...(guidance === undefined ? {} : { guidance: guidance as number }),
    ...(trueCfgScale === undefined ? {} : { trueCfgScale: trueCfgScale as number }),
    ...(keepSize === undefined ? {} : { keepSize: keepSize as boolean }),
  };
}

/** `options` with the model's defaults where it is silent. */
export function withModelDefaults(options: EditOptions, defaults: ModelEditDefaults): EditOptions {
  return {
    ...options,
    ...(options.width === undefined && defaults.width !== undefined ? { width: defaults.width } : {}),
    ...(options.guidance === undefined && defaults.guidance !== undefined ? { guidance: defaults.guidance } : {}),
    ...(options.trueCfgScale === undefined && defaults.trueCfgScale !== undefined ? { trueCfgScale: defaults.trueCfgScale } : {}),
    ...(options.keepSize === undefined && defaults.keepSize !== undefined ? { keepSize: defaults.keepSize } : {}),
  };
}
