/**
 * The openRun factory of base in-painting training: train() drives full-parameter training of a
 * model folder's FLUX Fill transformer on captioned scenes with random masks. The folder's VAE and
 * text encoders encode the seed range once (at the request's size), then their sessions close and
 * the transformer's training step opens, starting from the folder's transformer or from scratch.
 * The loop saves the whole transformer (BFL keys) as adapter.safetensors.
 */
import { openModel } from "../../api/open-model.js";
import type { TrainingRun, TrainingRunFactory, TrainingRunRequest } from "../../api/training-run.js";
import { Flux } from "../../models/flux/model.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Tensor } from "../../tensor.js";
import { BaseTrainingStep, baseWeightsMetadata, initialBaseWeights } from "../../train/base/index.js";
import { lossAndGradsOf } from "../../train/step/index.js";
import { encodersOf } from "../../train/data/index.js";
import { diffusersToBfl } from "../../weights/layouts/flux-convert.js";
import { memorySource } from "../../weights/memory-source.js";
import { openWeights } from "../../weights/open-weights.js";
import { checkSceneRange, sceneGrid, sceneInpaintingDataset, type SceneLayout } from "./scene-dataset.js";

export type BaseInit = "folder" | "scratch";

export interface BaseRunOptions {
  /** The first scene's seed and how many scenes (example i: the scene of firstSeed + i, mask kind i % 3). */
  readonly firstSeed: number;
  readonly count: number;
  /** Start from the folder's transformer ("folder", default) or from the seeded init of initialBaseWeights ("scratch", the run's seed). */
  readonly init?: BaseInit;
  /** Square scenes (default) or pairs side by side (scene-dataset.ts). */
  readonly layout?: SceneLayout;
}

/** The folder's transformer (diffusers layout) as f32 tensors under BFL keys, one per parameter of `params`. */
async function folderWeights(transformer: string, params: FluxParams): Promise<Map<string, Tensor<"f32">>> {
  const stored = await openWeights(transformer);
  try {
    const bfl = memorySource(await diffusersToBfl(stored), transformer);
    const out = new Map<string, Tensor<"f32">>();
    for (const spec of new Flux(params).parameters()) out.set(spec.path, await bfl.readF32(spec.path));
    return out;
  } finally {
    await stored.close();
  }
}

export function openBaseTrainingRun(options: BaseRunOptions): TrainingRunFactory {
  return async (request: TrainingRunRequest): Promise<TrainingRun> => {
    const note = (message: string): void => request.onEvent?.({ kind: "note", message });
    const range = checkSceneRange({ firstSeed: options.firstSeed, count: options.count, size: request.size, layout: options.layout });
    const init = options.init ?? "folder";
    const opened = await openModel({ model: request.model, loras: [], precision: "f32" });
    let step: BaseTrainingStep | null = null;
    try {
      const params = opened.models.params.flux;
      const encoders = await encodersOf(opened);
      const started = performance.now();
      const dataset = await sceneInpaintingDataset(encoders, range);
      for (let i = 0; i < range.count; i++) {
        request.signal?.throwIfAborted();
        await dataset.get(i);
      }
      const ms = performance.now() - started;
      const grid = sceneGrid(range);
      note(
        `data: ${range.count} ${range.layout === undefined || range.layout === "square" ? "scenes" : `${range.layout} pairs`} at ${grid.cols * 16}x${grid.rows * 16} encoded in ${(ms / 1000).toFixed(1)} s (${(ms / range.count).toFixed(0)} ms each)`,
      );
      await opened.models.pool.close();
      const initialWeights =
        init === "folder" ? await folderWeights(opened.identity.transformer, params) : initialBaseWeights(params, request.seed);
      step = await BaseTrainingStep.open(opened.engine, { params, checkpointing: request.checkpointing, initialWeights });
      const training = step;
      return {
        dataset,
        lossAndGrads: lossAndGradsOf(training, grid),
        initialParams: training.initialWeights,
        adapterMetadata: baseWeightsMetadata(params),
        fingerprint: {
          model: JSON.stringify({ transformer: opened.identity.transformer, init, text: encoders.fingerprint }),
          data: JSON.stringify({ scenes: range }),
        },
        release: async () => {
          await training.release();
          await opened.engine.close();
        },
      };
    } catch (error) {
      await step?.release();
      await opened.engine.close();
      throw error;
    }
  };
}
