/**
 * The metric models opened from Hugging Face folders (config.json + model.safetensors), e.g.
 * snapshots of openai/clip-vit-base-patch32 (or -large-patch14) and facebook/dino-vits16.
 */
import { clipModelConfigFromHf } from "../../models/clip/clip-config.js";
import { vitConfigFromHf } from "../../models/vit/config.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import { openTransformersFolder } from "../../weights/hub/transformers-folder.js";
import { openWeights } from "../../weights/open-weights.js";
import { PromptTokenizer } from "../../text/tokenizer.js";
import type { EditMetricModels } from "../metrics/score-edit.js";
import type { ImageTransform } from "../preprocess/transform.js";
import { ClipModelRunner } from "./clip-model.js";
import { DinoVit } from "./dino.js";

export interface FolderOpenOptions {
  readonly settings?: Partial<SessionSettings>;
}

/** A CLIPModel folder: its config.json's sizes, every tensor checked, both towers loaded. */
export async function openClipModelFolder(engine: Engine, dir: string, options: FolderOpenOptions = {}): Promise<ClipModelRunner> {
  const folder = await openTransformersFolder(dir, "CLIP model");
  const config = clipModelConfigFromHf(folder.config);
  return ClipModelRunner.open(engine, { weights: () => openWeights(folder.weights), config, settings: options.settings });
}

/** A ViTModel folder (DINO): its config.json's sizes, every tensor checked, the graph loaded. */
export async function openDinoFolder(engine: Engine, dir: string, options: FolderOpenOptions = {}): Promise<DinoVit> {
  const folder = await openTransformersFolder(dir, "DINO ViT");
  const config = vitConfigFromHf(folder.config);
  return DinoVit.open(engine, { weights: () => openWeights(folder.weights), config, settings: options.settings });
}

export interface MetricFolders extends FolderOpenOptions {
  /** A CLIPModel folder (openai/clip-vit-base-patch32 for MagicBrush's numbers, -large-patch14 for Emu Edit's). */
  readonly clip: string;
  /** A ViTModel folder (facebook/dino-vits16). */
  readonly dino: string;
  readonly clipTransform?: ImageTransform;
  readonly dinoTransform?: ImageTransform;
}

/**
 * Both metric models and the CLIP folder's tokenizer (tokenizer.json, or vocab.json + merges.txt),
 * ready for scoreEdit; release them with releaseEditMetricModels.
 */
export async function openEditMetricModels(engine: Engine, folders: MetricFolders): Promise<EditMetricModels> {
  const clip = await openClipModelFolder(engine, folders.clip, folders);
  try {
    const tokenizer = await PromptTokenizer.fromFolder(folders.clip, "clip", clip.config.text.maxPositions);
    const dino = await openDinoFolder(engine, folders.dino, folders);
    return { clip, dino, tokenizer, clipTransform: folders.clipTransform, dinoTransform: folders.dinoTransform };
  } catch (error) {
    await clip.release();
    throw error;
  }
}

export async function releaseEditMetricModels(models: EditMetricModels): Promise<void> {
  await Promise.all([models.clip.release(), models.dino.release()]);
}
