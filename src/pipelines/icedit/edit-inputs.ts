/**
 * What every ICEdit edit prepares before the fill runs (plain or with noise selection): the source
 * resized to the edit size, the diptych and its mask, the prompt's text conditioning; and the
 * record that describes the edit afterwards.
 */
import { makeDiptych, type Diptych } from "../../image/diptych.js";
import { editSize } from "../../image/edit-size.js";
import { resizeImage } from "../../image/resize.js";
import type { Tensor } from "../../tensor.js";
import type { FillRecord } from "../fill/fill.js";
import type { EncodedPrompt, TextConditioner, Truncation } from "../../components/text/conditioning.js";
import type { TournamentRecord } from "../noise-selection/record.js";

export interface EditRecord {
  readonly instruction: string;
  readonly prompt: string;
  readonly seed: number;
  readonly steps: number;
  readonly guidance: number;
  readonly source: { readonly width: number; readonly height: number };
  readonly output: { readonly width: number; readonly height: number };
  readonly truncations: readonly Truncation[];
  /** The T5 sequence length the instruction was padded or cut to. */
  readonly textTokens: number;
  readonly textCached: boolean;
  readonly fill: FillRecord;
  readonly timings: { readonly resizeMs: number; readonly textMs: number; readonly totalMs: number };
  /** Noise selection's tournament, present only when selection ran (then `seed` is the winner's). */
  readonly tournament?: TournamentRecord;
}

export interface EditInputs {
  readonly prompt: string;
  /** The source at the edit size, [h, w, 3]. */
  readonly resized: Tensor<"u8">;
  readonly diptych: Diptych;
  readonly source: { readonly width: number; readonly height: number };
  readonly output: { readonly width: number; readonly height: number };
  readonly encoded: EncodedPrompt;
  readonly resizeMs: number;
  readonly started: number;
}

export interface PrepareHooks {
  /** Called with ("resize", 0) and ("text", 0 then 1). */
  readonly onStage?: (stage: "resize" | "text", step: number) => void;
  readonly onWarning?: (message: string) => void;
  /** The T5 sequence length; absent: the tokenizer's. */
  readonly maxTextTokens?: number;
}

export async function prepareEditInputs(
  text: TextConditioner,
  source: Tensor<"u8">,
  prompt: string,
  width: number,
  started: number,
  hooks: PrepareHooks = {},
): Promise<EditInputs> {
  const [srcHeight, srcWidth] = source.dims as [number, number];
  const size = editSize(srcWidth, srcHeight, width);
  hooks.onStage?.("resize", 0);
  const resized = size.width === srcWidth && size.height === srcHeight ? source : await resizeImage(source, size.width, size.height);
  const diptych = makeDiptych(resized);
  const resizeMs = performance.now() - started;
  hooks.onStage?.("text", 0);
  const encoded = await text.encode(prompt, { t5Length: hooks.maxTextTokens });
  for (const t of encoded.truncations) {
    hooks.onWarning?.(
      `the instruction was cut for ${t.encoder === "t5" ? "T5" : "CLIP"}: ${t.cut} of ${t.kept + t.cut} tokens did not fit`,
    );
  }
  hooks.onStage?.("text", 1);
  return { prompt, resized, diptych, source: { width: srcWidth, height: srcHeight }, output: size, encoded, resizeMs, started };
}

export function editRecord(
  inputs: EditInputs,
  edit: {
    readonly instruction: string;
    readonly seed: number;
    readonly steps: number;
    readonly guidance: number;
    readonly fill: FillRecord;
  },
): EditRecord {
  return {
    ...edit,
    prompt: inputs.prompt,
    source: inputs.source,
    output: inputs.output,
    truncations: inputs.encoded.truncations,
    textTokens: inputs.encoded.t5Length,
    textCached: inputs.encoded.cached,
    timings: { resizeMs: inputs.resizeMs, textMs: inputs.encoded.ms, totalMs: performance.now() - inputs.started },
  };
}
