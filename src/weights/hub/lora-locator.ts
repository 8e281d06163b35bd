/**
 * Finds a LoRA adapter file from what a user typed: a .safetensors file, a folder holding one, or
 * a Hugging Face repo id (cache, then download). "ID|PATH:scale" carries a scale.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { IceditError } from "../../errors.js";
import { locate, type LocateOptions } from "./model-locator.js";

export class AdapterSpecError extends IceditError {}

export interface AdapterSpec {
  readonly spec: string;
  readonly scale: number;
}

/** "RiverZ/normal-lora", "lora.safetensors:0.8", "C:\\x\\y.safetensors" (a Windows drive colon is not a scale). */
export function parseAdapterSpec(text: string, defaultScale = 1): AdapterSpec {
  if (!text.trim()) throw new AdapterSpecError("an empty --lora value: give a file, a folder or a Hugging Face repo id");
  // The last colon starts a scale unless it is a drive's ("C:\\..."), the rest holds a path separator, or the whole text is a file.
  const colon = text.lastIndexOf(":");
  const suffix = text.slice(colon + 1);
  if (colon > 1 && !/[\\/]/.test(suffix) && !existsSync(text)) {
    const spec = text.slice(0, colon);
    const scale = Number(suffix);
    if (suffix.trim() === "" || !Number.isFinite(scale)) {
      const fix = `write e.g. ${spec}:0.8, or leave ":${suffix}" out to use the default scale`;
      throw new AdapterSpecError(`adapter ${text}: the scale "${suffix}" is not a number: ${fix}`);
    }
    return { spec, scale };
  }
  return { spec: text, scale: defaultScale };
}

const PREFERRED = ["pytorch_lora_weights.safetensors", "adapter_model.safetensors"];

/** The adapter file in a folder: a preferred name, else the only .safetensors file. */
export function adapterFileIn(dir: string): string {
  for (const name of PREFERRED) if (existsSync(join(dir, name))) return join(dir, name);
  const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors"));
  if (files.length === 1) return join(dir, files[0] as string);
  if (files.length === 0) throw new AdapterSpecError(`${dir} holds no .safetensors adapter file`);
  throw new AdapterSpecError(`${dir} holds several .safetensors files (${files.join(", ")}): name the one to use`);
}

export async function locateAdapter(spec: string, options: LocateOptions = {}): Promise<string> {
  if (existsSync(spec)) return statSync(spec).isDirectory() ? adapterFileIn(spec) : spec;
  const located = await locate(spec, { what: "LoRA", ...options, include: (p) => p.endsWith(".safetensors") && !p.includes("/") });
  return statSync(located.path).isDirectory() ? adapterFileIn(located.path) : located.path;
}
