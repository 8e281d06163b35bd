/**
 * `icedit make-demo-model`: a tiny FLUX.1 Fill model in exactly the diffusers folder layout of
 * black-forest-labs/FLUX.1-Fill-dev (configs, sharded safetensors with index files, both
 * tokenizers), plus ICEdit-format LoRA and MoE-LoRA files and an example image. Two kinds:
 * "trained" (the transformer, VAE and adapters the recipe trained on the shapes world, shipped in
 * assets/demo/: it really edits scenes of that world) and "random" (seeded random weights: edits
 * are noise; the whole program runs and is tested on it in seconds). With `kontext`, a tiny FLUX.1
 * Kontext [dev] instead, random too: the diffusers layout of black-forest-labs/FLUX.1-Kontext-dev
 * (model_index.json FluxKontextPipeline, a transformer of 64 input channels), no adapters.
 */
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Flux } from "../models/flux/model.js";
import { FLUX_FILL_DEV, type FluxParams } from "../models/flux/params.js";
import { fluxInitRule } from "./init/flux.js";
import { diffusersFluxConfig } from "../models/flux/diffusers-config.js";
import { AutoEncoder } from "../models/vae/model.js";
import { FLUX_VAE, type VaeParams } from "../models/vae/params.js";
import { vaeInitRule } from "./init/vae.js";
import { diffusersVaeConfig } from "../models/vae/diffusers-config.js";
import { T5_V1_1_XXL, t5HfConfig, type T5Config } from "../models/t5/config.js";
import { randomT5Weights } from "./init/t5.js";
import { CLIP_L_TEXT, clipTextHfConfig, type ClipTextConfig } from "../models/clip/config.js";
import { randomClipTextWeights } from "./init/clip.js";
import { demoClipTokenizerFiles, demoT5TokenizerFiles } from "./tokenizers.js";
import { randomTensors } from "./random-weights.js";
import { memorySource } from "../weights/memory-source.js";
import { bflToDiffusers } from "../weights/layouts/flux-convert.js";
import { convertVae } from "../weights/layouts/vae-view.js";
import { writeSafetensors } from "../weights/safetensors/writer.js";
import { IceditError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { randomLora, randomMoeLora } from "./lora-files.js";
import { exampleImage } from "./example-image.js";
import { writeImage } from "../image/write.js";
import { openSafetensors } from "../weights/safetensors/open.js";
import { readAllF32 } from "../weights/source.js";
import { MODEL_SETTINGS_FILE } from "../api/model-settings.js";
import { sampleEditExample } from "./scenes/edit-example.js";
import { readTrainedDemo, type TrainedDemo } from "./trained-demo.js";

/**
 * Sizes: the transformer is exactly the golden T1 configuration (so the golden GGUF files fit a
 * demo folder as --transformer), fed by a T5 of width 48 and a CLIP of width 32.
 */
export const DEMO_T5: T5Config = { ...T5_V1_1_XXL, vocabSize: 256, dModel: 48, dKv: 12, dFf: 128, numLayers: 2, numHeads: 4 };
export const DEMO_CLIP: ClipTextConfig = {
  ...CLIP_L_TEXT,
  vocabSize: 1024,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  bosTokenId: 0,
  padTokenId: 1,
  projectionDim: 32,
};
export const DEMO_FLUX: FluxParams = {
  ...FLUX_FILL_DEV,
  vecInDim: DEMO_CLIP.hiddenSize,
  contextInDim: DEMO_T5.dModel,
  hiddenSize: 128,
  numHeads: 4,
  depth: 2,
  depthSingleBlocks: 2,
  axesDim: [4, 14, 14],
};
/** The Kontext demo's transformer: the demo's, with FLUX.1 [dev]'s 64 input channels (the golden K1 with the demo's text widths). */
export const DEMO_KONTEXT_FLUX: FluxParams = { ...DEMO_FLUX, inChannels: 64 };
export const DEMO_VAE: VaeParams = { ...FLUX_VAE, ch: 32, chMult: [1, 1, 2, 2], numResBlocks: 1 };
export const DEMO_LORA = { rank: 4, experts: 4 } as const;
/**
 * The demo's T5 length (tokenizer_2's model_max_length, which the model folder's reader takes where
 * it is under FLUX's 512): the longest instruction of the shapes world in the IC prompt is 36 tokens.
 */
export const DEMO_T5_LENGTH = 48;

/** Where the adapters go inside the demo folder (file names as in the published repos). */
export const DEMO_LORA_FILE = join("icedit-lora", "pytorch_lora_weights.safetensors");
export const DEMO_MOE_LORA_FILE = join("icedit-moe-lora", "ICEdit-MoE-LoRA.safetensors");

/** Marks a folder as a demo model, so make-demo-model may replace it. */
export const DEMO_MARKER = "icedit-demo.json";

export class DemoModelError extends IceditError {}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}

/** Writes `tensors` as `count` shards plus the `<base>.safetensors.index.json` transformers/diffusers write. */
async function writeSharded(dir: string, base: string, tensors: ReadonlyMap<string, Tensor>, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = [...tensors.keys()].sort();
  const per = Math.ceil(names.length / count);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let s = 0; s < count; s++) {
    const file = `${base}-${String(s + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.safetensors`;
    const shard = new Map<string, Tensor>();
    for (const name of names.slice(s * per, (s + 1) * per)) {
      const t = tensors.get(name) as Tensor;
      shard.set(name, t);
      weightMap[name] = file;
      totalSize += t.data.byteLength;
    }
    await writeSafetensors(join(dir, file), shard, { format: "pt" });
  }
  await writeJson(join(dir, `${base}.safetensors.index.json`), { metadata: { total_size: totalSize }, weight_map: weightMap });
}

const MODEL_INDEX = {
  _class_name: "FluxFillPipeline",
  _diffusers_version: "0.32.0",
  scheduler: ["diffusers", "FlowMatchEulerDiscreteScheduler"],
  text_encoder: ["transformers", "CLIPTextModel"],
  text_encoder_2: ["transformers", "T5EncoderModel"],
  tokenizer: ["transformers", "CLIPTokenizer"],
  tokenizer_2: ["transformers", "T5TokenizerFast"],
  transformer: ["diffusers", "FluxTransformer2DModel"],
  vae: ["diffusers", "AutoencoderKL"],
};

const KONTEXT_MODEL_INDEX = { ...MODEL_INDEX, _class_name: "FluxKontextPipeline", _diffusers_version: "0.35.0" };

const SCHEDULER_CONFIG = {
  _class_name: "FlowMatchEulerDiscreteScheduler",
  _diffusers_version: "0.32.0",
  base_image_seq_len: 256,
  base_shift: 0.5,
  max_image_seq_len: 4096,
  max_shift: 1.15,
  num_train_timesteps: 1000,
  shift: 3.0,
  use_dynamic_shifting: true,
};

const RANDOM_README = `# icedit demo model (random weights)

A tiny FLUX.1 Fill model with RANDOM weights, written by \`icedit make-demo-model --random\` in the
diffusers folder layout of black-forest-labs/FLUX.1-Fill-dev (plus ICEdit-format LoRA files). Every
component is real code running real graphs, but the weights are noise, so its "edits" are noise too.

For real edits: icedit edit --image in.png --instruction "make her hair dark green"
(uses black-forest-labs/FLUX.1-Fill-dev and RiverZ/normal-lora from the Hugging Face cache).
`;

const KONTEXT_README = `# icedit demo model: FLUX.1 Kontext [dev] (random weights)

A tiny FLUX.1 Kontext [dev] model with RANDOM weights, written by \`icedit make-demo-model --kontext\`
in the diffusers folder layout of black-forest-labs/FLUX.1-Kontext-dev (model_index.json names
FluxKontextPipeline; the transformer has 64 input channels and a guidance embedder). icedit edits
with the Kontext method on it: the image to edit is appended to the noisy image as extra tokens.
The weights are noise, so its "edits" are noise too; it is for testing the program end to end.
Its icedit.json sets keepSize: images are edited at their own size (sides cut to multiples of
16), not at Kontext's preferred one-megapixel sizes.

For real edits: icedit edit --model black-forest-labs/FLUX.1-Kontext-dev --image in.png --instruction "make her hair dark green"
`;

function trainedReadme(recipe: TrainedDemo["recipe"]): string {
  return `# icedit demo model (trained)

A tiny FLUX.1 Fill model trained by icedit itself, written by \`icedit make-demo-model\` in the
diffusers folder layout of black-forest-labs/FLUX.1-Fill-dev. It knows one small world: a plain
background and one to three circles, squares and upright triangles in red, green, blue, yellow,
white and black. Its transformer was trained as an in-painting model, its VAE as an autoencoder,
and its ICEdit adapters (icedit-moe-lora/, the default through icedit.json, and icedit-lora/) with
\`icedit train\` on edit triplets. The text encoders are random (frozen, as in training).

Instructions it knows (the IC prompt wraps them as always):
  make the {colour} {shape} {colour}
  remove the {colour} {shape}
  make the background {colour}
  add a {colour} {shape} in the {top left|top right|bottom left|bottom right} corner

It edits at width ${recipe.edit.width} and guidance ${recipe.edit.guidance} (icedit.json), the size and
guidance it was trained at${recipe.edit.trueCfgScale === undefined ? "" : `, with true classifier-free guidance at scale ${recipe.edit.trueCfgScale}`}. Try:
  icedit edit --model <this folder> --image example.png --instruction "${recipe.example.instruction}"
`;
}

export type DemoWeights = "trained" | "random";
/** The model the demo folder holds: FLUX.1 Fill for ICEdit (the default), or FLUX.1 Kontext [dev]. */
export type DemoKind = "fill" | "kontext";

export interface DemoModelOptions {
  /** "trained" (default): the weights of assets/demo/; "random": seeded random weights. */
  readonly weights?: DemoWeights;
  /** Seed of the random weights (default 1); the trained demo's text encoders use the recipe's seed. */
  readonly seed?: number;
  /** Where the trained weights are (default: the package's assets/demo/). */
  readonly assets?: string;
  /** "fill" (default) or "kontext" (random weights only). */
  readonly kind?: DemoKind;
}

export interface DemoModelReport {
  readonly dir: string;
  readonly kind: DemoKind;
  readonly weights: DemoWeights;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Writes the demo model into `dir` (absent, empty, or an earlier demo model, which is replaced),
 * built in a temporary folder and renamed, so an interrupted run leaves no half-written model.
 */
export async function makeDemoModel(dirPath: string, options: DemoModelOptions = {}): Promise<DemoModelReport> {
  const dir = resolve(dirPath);
  if (existsSync(dir) && (await readdir(dir)).length > 0 && !existsSync(join(dir, DEMO_MARKER))) {
    throw new DemoModelError(`${dir} exists and is not an icedit demo model: choose a new folder (or remove it)`);
  }
  const kind = options.kind ?? "fill";
  const weights = options.weights ?? (kind === "kontext" ? "random" : "trained");
  if (kind === "kontext" && weights !== "random")
    throw new DemoModelError("the Kontext demo model has random weights only (no Kontext demo was trained): ask for random weights");
  const trained = weights === "trained" ? await readTrainedDemo(options.assets) : null;
  if (trained && options.seed !== undefined && options.seed !== trained.recipe.seed) {
    throw new DemoModelError(
      `the trained demo was trained with the text encoders of seed ${trained.recipe.seed}; --seed applies to --random weights only`,
    );
  }
  const seed = trained?.recipe.seed ?? options.seed ?? 1;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    if (trained) await writeTrainedParts(tmp, trained);
    else if (kind === "kontext") await writeKontextParts(tmp, seed);
    else await writeRandomParts(tmp, seed);
    await mkdir(join(tmp, "text_encoder"), { recursive: true });
    await writeSafetensors(join(tmp, "text_encoder", "model.safetensors"), randomClipTextWeights(DEMO_CLIP, seed + 2), { format: "pt" });
    await writeJson(join(tmp, "text_encoder", "config.json"), clipTextHfConfig(DEMO_CLIP));
    await writeSharded(join(tmp, "text_encoder_2"), "model", randomT5Weights(DEMO_T5, seed + 3), 2);
    await writeJson(join(tmp, "text_encoder_2", "config.json"), t5HfConfig(DEMO_T5));

    await writeFiles(join(tmp, "tokenizer"), demoClipTokenizerFiles(DEMO_CLIP.vocabSize, { tokenizerJson: false }));
    await writeFiles(join(tmp, "tokenizer_2"), demoT5TokenizerFiles(DEMO_T5.vocabSize, DEMO_T5_LENGTH));
    await writeJson(join(tmp, "scheduler", "scheduler_config.json"), SCHEDULER_CONFIG);
    await writeJson(join(tmp, "model_index.json"), kind === "kontext" ? KONTEXT_MODEL_INDEX : MODEL_INDEX);
    const flux = kind === "kontext" ? DEMO_KONTEXT_FLUX : DEMO_FLUX;
    await writeJson(join(tmp, DEMO_MARKER), { kind, weights, seed, flux, vae: DEMO_VAE, t5: DEMO_T5, clip: DEMO_CLIP });

    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return summarize(dir, kind, weights);
}

/** A random transformer of `params` in the diffusers layout (sharded) with its config.json. */
async function writeRandomTransformer(tmp: string, params: FluxParams, seed: number): Promise<void> {
  const flux = randomTensors(new Flux(params).parameters(), seed, fluxInitRule);
  await writeSharded(join(tmp, "transformer"), "diffusion_pytorch_model", await bflToDiffusers(memorySource(flux)), 2);
  await writeJson(join(tmp, "transformer", "config.json"), diffusersFluxConfig(params));
}

/** A random VAE in the diffusers layout with its config.json. */
async function writeRandomVae(tmp: string, seed: number): Promise<void> {
  const vaeBfl = randomTensors(new AutoEncoder(DEMO_VAE).parameters(), seed, vaeInitRule);
  await mkdir(join(tmp, "vae"), { recursive: true });
  await writeSafetensors(join(tmp, "vae", "diffusion_pytorch_model.safetensors"), await convertVae(memorySource(vaeBfl), "diffusers"), {
    format: "pt",
  });
  await writeJson(join(tmp, "vae", "config.json"), diffusersVaeConfig(DEMO_VAE));
}

/** The Kontext demo's random transformer (64 input channels) and VAE, its README and the example image. */
async function writeKontextParts(tmp: string, seed: number): Promise<void> {
  await writeRandomTransformer(tmp, DEMO_KONTEXT_FLUX, seed);
  await writeRandomVae(tmp, seed + 1);
  // Tiny and random: edit images at their own size, not Kontext's one-megapixel sizes.
  await writeJson(join(tmp, MODEL_SETTINGS_FILE), { edit: { keepSize: true } });
  await writeFile(join(tmp, "README.md"), KONTEXT_README);
  await writeImage(join(tmp, "example.png"), exampleImage());
}

/** Random transformer, VAE and adapters, the README and the sky-and-house example image. */
async function writeRandomParts(tmp: string, seed: number): Promise<void> {
  await writeRandomTransformer(tmp, DEMO_FLUX, seed);
  await writeRandomVae(tmp, seed + 1);

  await mkdir(dirname(join(tmp, DEMO_LORA_FILE)), { recursive: true });
  await writeSafetensors(join(tmp, DEMO_LORA_FILE), randomLora(DEMO_FLUX, DEMO_LORA.rank, seed + 4), { format: "pt" });
  await mkdir(dirname(join(tmp, DEMO_MOE_LORA_FILE)), { recursive: true });
  await writeSafetensors(join(tmp, DEMO_MOE_LORA_FILE), randomMoeLora(DEMO_FLUX, DEMO_LORA.rank, DEMO_LORA.experts, seed + 5), {
    format: "pt",
  });
  await writeFile(join(tmp, "README.md"), RANDOM_README);
  await writeImage(join(tmp, "example.png"), exampleImage());
}

/** The trained weights of assets/demo/, icedit.json (the MoE adapter, width and guidance), the README and a scene as the example. */
async function writeTrainedParts(tmp: string, trained: TrainedDemo): Promise<void> {
  const { recipe } = trained;
  const stored = await openSafetensors(trained.transformer);
  try {
    await writeSharded(join(tmp, "transformer"), "diffusion_pytorch_model", await readAllF32(stored), 2);
  } finally {
    await stored.close();
  }
  await writeJson(join(tmp, "transformer", "config.json"), diffusersFluxConfig(DEMO_FLUX));
  await mkdir(join(tmp, "vae"), { recursive: true });
  await copyFile(trained.vae, join(tmp, "vae", "diffusion_pytorch_model.safetensors"));
  await writeJson(
    join(tmp, "vae", "config.json"),
    diffusersVaeConfig({ ...DEMO_VAE, scaleFactor: recipe.vae.scalingFactor, shiftFactor: recipe.vae.shiftFactor }),
  );
  await mkdir(dirname(join(tmp, DEMO_LORA_FILE)), { recursive: true });
  await copyFile(trained.lora, join(tmp, DEMO_LORA_FILE));
  await mkdir(dirname(join(tmp, DEMO_MOE_LORA_FILE)), { recursive: true });
  await copyFile(trained.moe, join(tmp, DEMO_MOE_LORA_FILE));
  await writeJson(join(tmp, MODEL_SETTINGS_FILE), { adapter: DEMO_MOE_LORA_FILE, edit: recipe.edit });
  await writeFile(join(tmp, "README.md"), trainedReadme(recipe));
  await writeImage(join(tmp, "example.png"), sampleEditExample(recipe.example.seed, undefined, { size: recipe.example.size }).source);
}

async function summarize(dir: string, kind: DemoKind, weights: DemoWeights): Promise<DemoModelReport> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        files++;
        bytes += (await stat(path)).size;
      }
    }
  };
  await walk(dir);
  return { dir, kind, weights, files, bytes };
}
