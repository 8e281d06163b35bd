/**
 * ICEdit's in-context edit: the source resized to width 512 (height a multiple of 16), placed on
 * the left of a diptych whose right half is masked, repainted by FLUX.1 Fill under the IC prompt,
 * and the right half cropped out. Pure: pixels and options in, pixels and a record out.
 */
import { cropRightHalf } from "../../image/diptych.js";
import type { Tensor } from "../../tensor.js";
import { fill, type FillProgress } from "../fill/fill.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../fill/conventions.js";
import type { StepInfo } from "../fill/denoise.js";
import type { TextConditioner } from "../../components/text/conditioning.js";
import { editRecord, prepareEditInputs, type EditRecord } from "./edit-inputs.js";
import type { FluxTransformer } from "../../components/flux/transformer.js";
import type { Vae } from "../../components/vae/vae.js";
import { icPrompt } from "./prompt.js";

export const EDIT_DEFAULTS = { width: 512, steps: 28, guidance: 50, seed: 42 } as const;

export interface EditModels {
  readonly transformer: FluxTransformer;
  readonly vae: Vae;
  readonly text: TextConditioner;
}

export type EditStage = "resize" | "text" | FillProgress["stage"];

export interface EditProgress {
  readonly stage: EditStage;
  readonly step: number;
  readonly steps: number;
  readonly ms: number;
}

export interface EditOptions {
  readonly seed?: number;
  readonly steps?: number;
  readonly guidance?: number;
  /** Width of the edited image (the diptych is twice as wide); a multiple of 16. */
  readonly width?: number;
  readonly conventions?: FillConventions;
  readonly onProgress?: (progress: EditProgress) => void;
  readonly onStep?: (info: StepInfo) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export type { EditRecord } from "./edit-inputs.js";

export interface EditResult {
  /** [h, w, 3] uint8: the edited image (the right half of the diptych). */
  readonly image: Tensor<"u8">;
  readonly record: EditRecord;
}

export async function editImage(models: EditModels, source: Tensor<"u8">, instruction: string, options: EditOptions = {}): Promise<EditResult> {
  const started = performance.now();
  const prompt = icPrompt(instruction);
  const seed = options.seed ?? EDIT_DEFAULTS.seed;
  const steps = options.steps ?? EDIT_DEFAULTS.steps;
  const guidance = options.guidance ?? EDIT_DEFAULTS.guidance;
  const report = (stage: EditStage, step: number, total: number): void =>
    options.onProgress?.({ stage, step, steps: total, ms: performance.now() - started });
  const inputs = await prepareEditInputs(models.text, source, prompt, options.width ?? EDIT_DEFAULTS.width, started, {
    onStage: (stage, step) => report(stage, step, 1),
    onWarning: options.onWarning,
  });
  const { diptych, encoded } = inputs;

  const result = await fill(
    { transformer: models.transformer, vae: models.vae },
    { image: diptych.image, mask: diptych.mask, txt: encoded.embedding.txt, y: encoded.embedding.y },
    {
      seed,
      steps,
      guidance,
      conventions: options.conventions ?? DIFFUSERS_CONVENTIONS,
      signal: options.signal,
      onStep: options.onStep,
      onProgress: (p) => report(p.stage, p.step, p.steps),
    },
  );
  return {
    image: cropRightHalf(result.image),
    record: editRecord(inputs, { instruction, seed, steps, guidance, fill: result.record }),
  };
}
