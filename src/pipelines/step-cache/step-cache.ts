/**
 * Step caching for the denoising loop (off by default): a step whose transformer input barely
 * changed reuses the residual its blocks added at the last fully computed step.
 * - First-Block Cache: the first block runs; if the relative mean absolute change of its residual
 *   (img after it - img before it) since the last fully computed step is below the threshold, the
 *   remaining blocks are skipped and their cached residual (img after the last block - img after
 *   the first) is added instead.
 * - TeaCache: the first block's modulated image input is compared with the previous step's; the
 *   relative change, rescaled by TeaCache's FLUX polynomial, accumulates over skipped steps; below
 *   the threshold every block is skipped and the cached residual (img after the last block - img
 *   after the embedders) is added; a computed step resets the sum.
 * The first and last steps always run. Each sample of a batch (noise selection's candidates) has
 * its own state and decisions; the samples that run their blocks run them as one smaller batch.
 * Only the image stream's residual is kept: the final layer reads only image tokens.
 */
import type { FluxTransformer, StageStreams } from "../../components/flux/transformer.js";
import type { FluxCall } from "../../models/flux/inputs.js";
import { InvalidArgumentError } from "../../errors.js";
import { tensor, type Tensor } from "../../tensor.js";
import { relativeL1, teacacheRescale } from "./metrics.js";
import type { StepCacheRecord, StepCacheSettings } from "./settings.js";

const fr = Math.fround;

/** One sample's cache: what it compares with, the residual it reuses, and what it skipped. */
interface SampleCache {
  /** fbcache: the first block's residual at the last computed step; teacache: the previous step's modulated input. */
  signal: Float32Array | null;
  residual: Float32Array | null;
  accumulated: number;
  readonly skipped: number[];
}

/** The samples `rows` of a [B, ...] tensor, in that order. */
function takeRows(t: Tensor<"f32">, rows: readonly number[]): Tensor<"f32"> {
  const batch = t.dims[0] as number;
  if (rows.length === batch && rows.every((r, i) => r === i)) return t;
  const size = t.data.length / batch;
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => out.set(t.data.subarray(r * size, (r + 1) * size), i * size));
  return tensor("f32", [rows.length, ...t.dims.slice(1)], out);
}

function takeStreams(s: StageStreams, rows: readonly number[]): StageStreams {
  return {
    img: takeRows(s.img, rows),
    txt: takeRows(s.txt, rows),
    vec: takeRows(s.vec, rows),
    peCos: takeRows(s.peCos, rows),
    peSin: takeRows(s.peSin, rows),
  };
}

/** a - b, each float32-rounded, for `length` values from offsets `at` and `bt`. */
function difference(a: Float32Array, at: number, b: Float32Array, bt: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = fr((a[at + i] as number) - (b[bt + i] as number));
  return out;
}

export class StepCache {
  private constructor(
    readonly settings: StepCacheSettings,
    /** The schedule's steps (the last one always runs). */
    readonly steps: number,
    private readonly samples: SampleCache[],
  ) {}

  /** A fresh cache for a batch of `batch` samples over `steps` steps. */
  static start(settings: StepCacheSettings, steps: number, batch: number): StepCache {
    if (!(settings.threshold >= 0))
      throw new InvalidArgumentError(`the step cache threshold must be a number >= 0, got ${settings.threshold}`);
    const samples = Array.from({ length: batch }, (): SampleCache => ({ signal: null, residual: null, accumulated: 0, skipped: [] }));
    return new StepCache(settings, steps, samples);
  }

  get batch(): number {
    return this.samples.length;
  }

  /** The caches of samples `rows` (noise selection's winner goes on with its own). */
  pick(rows: readonly number[]): StepCache {
    const samples = rows.map((r) => {
      const s = this.samples[r];
      if (!s) throw new InvalidArgumentError(`the step cache has ${this.samples.length} samples, not ${r + 1}`);
      return { ...s, skipped: [...s.skipped] };
    });
    return new StepCache(this.settings, this.steps, samples);
  }

  /** What sample `row` skipped so far. */
  record(row = 0): StepCacheRecord {
    const s = this.samples[row];
    if (!s) throw new InvalidArgumentError(`the step cache has ${this.samples.length} samples, not ${row + 1}`);
    return { kind: this.settings.kind, threshold: this.settings.threshold, skippedSteps: [...s.skipped] };
  }

  /**
   * The velocity of step `step` (0-based schedule index) for the batch of `call`: out [B, L, out_channels];
   * `skipped` lists the samples whose blocks did not run.
   */
  async evaluate(transformer: FluxTransformer, call: FluxCall, step: number): Promise<{ out: Tensor<"f32">; skipped: number[] }> {
    const batch = call.img.dims[0] as number;
    if (batch !== this.samples.length)
      throw new InvalidArgumentError(`the step cache holds ${this.samples.length} samples, the call ${batch}`);
    const always = step === 0 || step === this.steps - 1;
    const embedded = await transformer.embed(call);
    const fb = this.settings.kind === "fbcache";
    const base = fb ? (await transformer.blocks("first", embedded.streams)).streams : embedded.streams;
    const size = base.img.data.length / batch;
    const run: number[] = [];
    this.samples.forEach((sample, i) => {
      if (this.decide(sample, i, always, fb ? { before: embedded.streams.img, after: base.img, size } : { imgMod: embedded.imgMod, size }))
        run.push(i);
    });
    const img = new Float32Array(base.img.data.length);
    if (run.length > 0) {
      let streams = takeStreams(base, run);
      if (!fb) streams = (await transformer.blocks("first", streams)).streams;
      const last = (await transformer.blocks("rest", streams)).streams.img;
      run.forEach((r, j) => {
        const sample = this.samples[r] as SampleCache;
        sample.residual = difference(last.data, j * size, base.img.data, r * size, size);
        img.set(last.data.subarray(j * size, (j + 1) * size), r * size);
      });
    }
    const skipped: number[] = [];
    this.samples.forEach((sample, i) => {
      if (run.includes(i)) return;
      const residual = sample.residual as Float32Array;
      for (let k = 0; k < size; k++) img[i * size + k] = fr((base.img.data[i * size + k] as number) + (residual[k] as number));
      sample.skipped.push(step + 1);
      skipped.push(i);
    });
    const { out } = await transformer.finalLayer(tensor("f32", base.img.dims, img), base.vec);
    return { out, skipped };
  }

  /** Whether sample `i` runs its blocks at this step; updates what it compares with. */
  private decide(
    sample: SampleCache,
    i: number,
    always: boolean,
    signal:
      | { readonly before: Tensor<"f32">; readonly after: Tensor<"f32">; readonly size: number }
      | { readonly imgMod: Tensor<"f32">; readonly size: number },
  ): boolean {
    const { threshold } = this.settings;
    const at = i * signal.size;
    if ("imgMod" in signal) {
      // TeaCache: the previous step's modulated input, whether that step ran or not.
      const current = signal.imgMod.data.slice(at, at + signal.size);
      const previous = sample.signal;
      sample.signal = current;
      if (always || !sample.residual || !previous) {
        sample.accumulated = 0;
        return true;
      }
      sample.accumulated += teacacheRescale(relativeL1(signal.imgMod.data, previous, at));
      if (sample.accumulated < threshold) return false;
      sample.accumulated = 0;
      return true;
    }
    // First-Block Cache: the first block's residual at the last step that ran all blocks.
    const residual = difference(signal.after.data, at, signal.before.data, at, signal.size);
    const previous = sample.signal;
    const run = always || !sample.residual || !previous || !(relativeL1(residual, previous) < threshold);
    if (run) sample.signal = residual;
    return run;
  }
}
