/**
 * ICEdit's in-context edit: the source resized to width 512 (height a multiple of 16), placed on
 * the left of a diptych whose right half is masked, repainted by FLUX.1 Fill under the IC prompt,
 * and the right half cropped out. Pure: pixels and options in, pixels and a record out.
 */
import { cropRightHalf, makeDiptych } from "../../image/diptych.js";
import { editSize } from "../../image/edit-size.js";
import { resizeImage } from "../../image/resize.js";
import type { Tensor } from "../../tensor.js";
import { fill, type FillProgress, type FillRecord } from "../fill/fill.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../fill/conventions.js";
import type { StepInfo } from "../fill/denoise.js";
import type { TextConditioner, Truncation } from "../text-conditioning.js";
import type { FluxTransformer } from "../flux-transformer.js";
import type { Vae } from "../vae.js";
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

export interface EditRecord {
  readonly instruction: string;
  readonly prompt: string;
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  readonly source: { readonly width: number; readonly height: number };
  readonly output: { readonly width: number; readonly height: number };
  readonly truncations: readonly Truncation[];
  readonly textCached: boolean;
  readonly fill: FillRecord;
  readonly timings: { readonly resizeMs: number; readonly textMs: number; readonly totalMs: number };
}

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
  const [srcHeight, srcWidth] = source.dims as [number, number];
  const size = editSize(srcWidth, srcHeight, options.width ?? EDIT_DEFAULTS.width);
  const report = (stage: EditStage, step: number, total: number): void =>
    options.onProgress?.({ stage, step, steps: total, ms: performance.now() - started });

  report("resize", 0, 1);
  const resized = size.width === srcWidth && size.height === srcHeight ? source : await resizeImage(source, size.width, size.height);
  const diptych = makeDiptych(resized);
  const resizeMs = performance.now() - started;

  report("text", 0, 1);
  const encoded = await models.text.encode(prompt);
  for (const t of encoded.truncations) {
    options.onWarning?.(`the instruction was cut for ${t.encoder === "t5" ? "T5" : "CLIP"}: ${t.cut} of ${t.kept + t.cut} tokens did not fit`);
  }
  report("text", 1, 1);

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
  const image = cropRightHalf(result.image);
  return {
    image,
    record: {
      instruction,
      prompt,
      seed,
      steps,
      guidance,
      source: { width: srcWidth, height: srcHeight },
      output: { width: size.width, height: size.height },
      truncations: encoded.truncations,
      textCached: encoded.cached,
      fill: result.record,
      timings: { resizeMs, textMs: encoded.ms, totalMs: performance.now() - started },
    },
  };
}
