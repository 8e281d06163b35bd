/**
 * A FLUX.1 Fill model on disk: the diffusers folder layout of black-forest-labs/FLUX.1-Fill-dev
 * (model_index.json, transformer/, vae/, text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/),
 * optionally with BFL single files (flux1-fill-dev.safetensors, ae.safetensors) in place of the
 * diffusers transformer or VAE. Finds each component's weights and config; reads no tensors.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { IceditError } from "../../errors.js";
import { ModelFolderError } from "./errors.js";

export interface WeightsComponent {
  /** A .safetensors file or a *.safetensors.index.json of shards. */
  readonly weights: string;
  /** The component's config.json, or null for a BFL single file. */
  readonly config: Record<string, unknown> | null;
}

export interface FluxFillFolder {
  readonly root: string;
  readonly transformer: WeightsComponent;
  readonly vae: WeightsComponent;
  /** CLIP text model */
  readonly textEncoder: WeightsComponent;
  /** T5 encoder */
  readonly textEncoder2: WeightsComponent;
  readonly tokenizer: string;
  readonly tokenizer2: string;
}

export interface FolderOverrides {
  /** A transformer file (BFL or diffusers keys, e.g. flux1-fill-dev.safetensors) used instead of transformer/. */
  readonly transformer?: string;
  /** A VAE file (e.g. ae.safetensors) used instead of vae/. */
  readonly vae?: string;
}

const DIFFUSERS_WEIGHTS = ["diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.safetensors"];
export const TRANSFORMERS_WEIGHTS = ["model.safetensors.index.json", "model.safetensors"];
const BFL_TRANSFORMER_FILES = ["flux1-fill-dev.safetensors"];
const BFL_VAE_FILES = ["ae.safetensors"];

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A component's JSON file (config.json) as an object; ModelFolderError when it is missing or not a JSON object. */
export async function readJson(folder: string, component: string, path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ModelFolderError(folder, component, `${path} is missing`);
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("not an object");
    return json as Record<string, unknown>;
  } catch (error) {
    throw new ModelFolderError(folder, component, `${path} is not valid JSON (${(error as Error).message})`);
  }
}

/** A component sub-folder with config.json and one of the weight file names. */
async function subfolder(root: string, name: string, files: readonly string[]): Promise<WeightsComponent | null> {
  const dir = join(root, name);
  if (!isDir(dir)) return null;
  const weights = files.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!weights) throw new ModelFolderError(root, name, `no weights in ${dir} (looked for ${files.join(", ")})`);
  return { weights, config: await readJson(root, name, join(dir, "config.json")) };
}

function singleFile(path: string, component: string, root: string): WeightsComponent {
  const full = resolve(path);
  if (!existsSync(full) || statSync(full).isDirectory())
    throw new ModelFolderError(root, component, `${full} does not exist or is not a file`);
  return { weights: full, config: null };
}

function rootFile(root: string, names: readonly string[]): string | null {
  return names.map((n) => join(root, n)).find((p) => existsSync(p)) ?? null;
}

export async function openFluxFillFolder(rootPath: string, overrides: FolderOverrides = {}): Promise<FluxFillFolder> {
  const root = resolve(rootPath);
  if (!isDir(root)) throw new ModelFolderError(root, "folder", "does not exist or is not a folder");

  const transformer = overrides.transformer
    ? singleFile(overrides.transformer, "transformer", root)
    : ((await subfolder(root, "transformer", DIFFUSERS_WEIGHTS)) ??
      (() => {
        const file = rootFile(root, BFL_TRANSFORMER_FILES);
        if (!file) {
          throw new ModelFolderError(
            root,
            "transformer",
            "missing: expected transformer/ (config.json + diffusion_pytorch_model*.safetensors) or flux1-fill-dev.safetensors, or pass --transformer FILE",
          );
        }
        return { weights: file, config: null };
      })());

  const vae = overrides.vae
    ? singleFile(overrides.vae, "vae", root)
    : ((await subfolder(root, "vae", DIFFUSERS_WEIGHTS)) ??
      (() => {
        const file = rootFile(root, BFL_VAE_FILES);
        if (!file)
          throw new ModelFolderError(
            root,
            "vae",
            "missing: expected vae/ (config.json + diffusion_pytorch_model.safetensors) or ae.safetensors",
          );
        return { weights: file, config: null };
      })());

  const textEncoder = await subfolder(root, "text_encoder", TRANSFORMERS_WEIGHTS);
  if (!textEncoder)
    throw new ModelFolderError(root, "text_encoder", "missing: the CLIP text model folder text_encoder/ (config.json + model.safetensors)");
  const textEncoder2 = await subfolder(root, "text_encoder_2", TRANSFORMERS_WEIGHTS);
  if (!textEncoder2)
    throw new ModelFolderError(root, "text_encoder_2", "missing: the T5 encoder folder text_encoder_2/ (config.json + model*.safetensors)");
  for (const name of ["tokenizer", "tokenizer_2"]) {
    if (!isDir(join(root, name))) throw new ModelFolderError(root, name, `missing: the folder ${name}/ with the tokenizer files`);
  }
  return { root, transformer, vae, textEncoder, textEncoder2, tokenizer: join(root, "tokenizer"), tokenizer2: join(root, "tokenizer_2") };
}

/** The files of a FLUX.1 Fill repo that the diffusers folder layout needs (no BFL single files). */
export function isFluxFolderFile(path: string): boolean {
  if (path === "model_index.json") return true;
  return /^(transformer|vae|text_encoder|text_encoder_2|tokenizer|tokenizer_2|scheduler)\//.test(path) && !path.endsWith(".md");
}

/** Where a component's config.json is (a sub-folder of the diffusers layout). */
export function configFile(folder: FluxFillFolder, component: "transformer" | "vae" | "text_encoder" | "text_encoder_2"): string {
  return join(folder.root, component, "config.json");
}

/** A text encoder's config from its config.json, which must be there; a bad value's message names the file. */
export function textEncoderConfig<T>(
  folder: FluxFillFolder,
  component: "text_encoder" | "text_encoder_2",
  parse: (json: Record<string, unknown>) => T,
): T {
  const json = component === "text_encoder" ? folder.textEncoder.config : folder.textEncoder2.config;
  if (!json) throw new ModelFolderError(folder.root, component, "config.json is missing");
  try {
    return parse(json);
  } catch (error) {
    if (error instanceof IceditError)
      throw new ModelFolderError(folder.root, component, `${configFile(folder, component)}: ${error.message}`);
    throw error;
  }
}
