/**
 * The encoders of an opened model, with the fingerprint that keys the example cache: the text
 * encoders' identity (model folder and T5 precision) and the size and mtime of every weight file
 * of the VAE and the two text encoders (all shards of a sharded set). Replacing a weight file
 * changes the fingerprint, so the examples are encoded again.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { TextConditioner, type TextModels } from "../../components/text/conditioning.js";
import type { Vae } from "../../components/vae/vae.js";
import type { ExampleEncoders } from "./encode-example.js";

/** The weight files of a component path: the file, or every .safetensors beside a sharded set's index. */
async function weightFiles(path: string): Promise<string[]> {
  if (!path.toLowerCase().endsWith(".json")) return [path];
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  return [
    path,
    ...names
      .filter((n) => n.endsWith(".safetensors"))
      .sort()
      .map((n) => join(dir, n)),
  ];
}

/** The weight file or index of a diffusers component folder, if there is one. */
async function componentWeights(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const index = names.find((n) => n.endsWith(".safetensors.index.json"));
  if (index) return weightFiles(join(folder, index));
  return names
    .filter((n) => n.endsWith(".safetensors"))
    .sort()
    .map((n) => join(folder, n));
}

/** "path:size:mtime" of each file (a file that cannot be stat'ed is named as such). */
export async function fileStamps(paths: readonly string[]): Promise<string[]> {
  const stamps: string[] = [];
  for (const path of paths) {
    try {
      const real = await realpath(path);
      const info = await stat(real);
      stamps.push(`${real}:${info.size}:${info.mtimeMs}`);
    } catch {
      stamps.push(`${path}:unreadable`);
    }
  }
  return stamps;
}

/** What encodersOf needs of an opened model (api's OpenedModel has it): no import of the api layer from here. */
export interface OpenedEncoders {
  readonly models: { readonly vae: Vae; readonly text: TextModels };
  /** The model folder and the VAE's weight file (or sharded index). */
  readonly identity: { readonly path: string; readonly vae: string };
}

/** The VAE and text encoders of `opened`, and their fingerprint. */
export async function encodersOf(opened: OpenedEncoders): Promise<ExampleEncoders> {
  const { identity, models } = opened;
  const files = [
    ...(await weightFiles(identity.vae)),
    ...(await componentWeights(join(identity.path, "text_encoder"))),
    ...(await componentWeights(join(identity.path, "text_encoder_2"))),
  ];
  const fingerprint = JSON.stringify({ text: models.text.identity, files: await fileStamps(files) });
  return { vae: models.vae, text: new TextConditioner(models.text), fingerprint };
}
