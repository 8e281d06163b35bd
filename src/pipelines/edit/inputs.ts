/**
 * What every edit prepares before its sampler runs, whichever the method (ICEdit or Kontext): the
 * source resized to the size the method edits at and the prompt's text conditioning; and the
 * record that describes the edit afterwards.
 */
import { resizeImage } from "../../image/resize.js";
import type { Tensor } from "../../tensor.js";
import type { FillRecord } from "../fill/fill.js";
import type { EncodedPrompt, TextConditioner, Truncation } from "../../components/text/conditioning.js";
import type { TournamentRecord } from "../noise-selection/record.js";
import type { CandidatePreview } from "../noise-selection/previews.js";
import type { FluxTransformer } from "../../components/flux/transformer.js";
import type { Vae } from "../../components/vae/vae.js";

import type { EditMethod } from "../../components/icedit-models.js";

export type { EditMethod } from "../../components/icedit-models.js";

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** True classifier-free guidance (sampling/true-cfg.ts): the scale (> 1) and the negative prompt. */
export interface TrueCfgSettings {
  readonly scale: number;
  readonly negativePrompt: string;
}

export interface EditRecord {
  /** Which method made the edit. */
  readonly method: EditMethod;
  readonly instruction: string;
  /** The text the encoders saw: ICEdit's IC prompt, or the instruction itself (Kontext). */
  readonly prompt: string;
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  /** True CFG, when it was on. */
  readonly trueCfg?: TrueCfgSettings;
  readonly source: Size;
  /** The size the source was resized to before the edit (ICEdit: the edit width; Kontext: its preferred size). */
  readonly resized: Size;
  readonly output: Size;
  readonly truncations: readonly Truncation[];
  /** The T5 sequence length the instruction was padded or cut to. */
  readonly textTokens: number;
  readonly textCached: boolean;
  /** The sampler's record (Kontext: a KontextRecord, with the condition's size). */
  readonly fill: FillRecord;
  readonly timings: { readonly resizeMs: number; readonly textMs: number; readonly totalMs: number };
  /** Noise selection's tournament, present only when selection ran (then `seed` is the winner's). */
  readonly tournament?: TournamentRecord;
}

/** The models every method edits with (the transformer fits the method: Fill or Kontext). */
export interface EditModels {
  readonly transformer: FluxTransformer;
  readonly vae: Vae;
  readonly text: TextConditioner;
}

export interface EditResult {
  /** [h, w, 3] uint8: the edited image (ICEdit: the right half of the diptych; the winner's with selection). */
  readonly image: Tensor<"u8">;
  /** Noise selection: the candidates' early previews (right halves), in seed order; empty for a plain edit. */
  readonly previews: readonly CandidatePreview[];
  readonly record: EditRecord;
}

export interface EditInputs {
  readonly prompt: string;
  /** The source at the method's size, [h, w, 3]. */
  readonly resized: Tensor<"u8">;
  readonly source: Size;
  readonly encoded: EncodedPrompt;
  /** True CFG's negative prompt, encoded as the prompt is (absent: off). */
  readonly negative?: EncodedPrompt;
  readonly resizeMs: number;
  readonly started: number;
}

export interface PrepareHooks {
  /** Called with ("resize", 0) and ("text", 0 then 1). */
  readonly onStage?: (stage: "resize" | "text", step: number) => void;
  readonly onWarning?: (message: string) => void;
  /** The T5 sequence length; absent: the tokenizer's. */
  readonly maxTextTokens?: number;
  /** True CFG's negative prompt, to encode beside the prompt. */
  readonly negativePrompt?: string;
}

/** Resizes `source` to `size` (when it differs) and encodes `prompt`, warning of what the encoders cut. */
export async function prepareEditInputs(
  text: TextConditioner,
  source: Tensor<"u8">,
  prompt: string,
  size: Size,
  started: number,
  hooks: PrepareHooks = {},
): Promise<EditInputs> {
  const [srcHeight, srcWidth] = source.dims as [number, number];
  hooks.onStage?.("resize", 0);
  const resized = size.width === srcWidth && size.height === srcHeight ? source : await resizeImage(source, size.width, size.height);
  const resizeMs = performance.now() - started;
  hooks.onStage?.("text", 0);
  const encoded = await text.encode(prompt, { t5Length: hooks.maxTextTokens });
  for (const t of encoded.truncations) {
    hooks.onWarning?.(
      `the instruction was cut for ${t.encoder === "t5" ? "T5" : "CLIP"}: ${t.cut} of ${t.kept + t.cut} tokens did not fit`,
    );
  }
  const negative =
    hooks.negativePrompt === undefined ? undefined : await text.encode(hooks.negativePrompt, { t5Length: hooks.maxTextTokens });
  hooks.onStage?.("text", 1);
  return {
    prompt,
    resized,
    source: { width: srcWidth, height: srcHeight },
    encoded,
    ...(negative ? { negative } : {}),
    resizeMs,
    started,
  };
}

export function editRecord(
  inputs: EditInputs,
  edit: {
    readonly method: EditMethod;
    readonly instruction: string;
    readonly seed: number;
    readonly steps: number;
    readonly guidance: number;
    readonly trueCfg?: TrueCfgSettings;
    readonly output: Size;
    readonly fill: FillRecord;
  },
): EditRecord {
  const [height, width] = inputs.resized.dims as [number, number];
  return {
    ...edit,
    prompt: inputs.prompt,
    source: inputs.source,
    resized: { width, height },
    truncations: inputs.encoded.truncations,
    textTokens: inputs.encoded.t5Length,
    textCached: inputs.encoded.cached,
    timings: { resizeMs: inputs.resizeMs, textMs: inputs.encoded.ms, totalMs: performance.now() - inputs.started },
  };
}
