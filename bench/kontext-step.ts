/**
 * `npm run bench -- kontext [--blocks D+S] [--runs N] [--form int8-b128]`: a full-size FLUX.1
 * Kontext [dev] step at 1024x1024 (4096 noisy + 4096 condition + 512 text tokens; the transformer
 * of FLUX.1 [dev], 64 input channels) next to ICEdit's 1024x512 diptych step (FLUX.1 Fill [dev],
 * 2048 image + 512 text tokens), both in one run, in the same weight form (the one `--quant auto`
 * picks here unless --form names one), their runs alternated. Each run is profiled and split into
 * double blocks, single blocks and the rest; the 19 + 38-block step is extrapolated from the
 * per-block times. Memory: the peak resident size during a variant's runs, and the estimate for
 * the whole transformer (that peak less the few blocks' weights, plus all 57 blocks' weights: the
 * activations do not grow with depth, the blocks run one after the other).
 */
import type { Engine } from "../src/runtime/engine.js";
import { startPeakMeter } from "../src/runtime/peak-rss.js";
import { FLUX_FILL_DEV, type FluxParams } from "../src/models/flux/params.js";
import { Flux } from "../src/models/flux/model.js";
import { KONTEXT_IN_CHANNELS } from "../src/components/icedit-models.js";
import { defaultFluxKeep } from "../src/components/flux/spec.js";
import { parameterBytes } from "../src/components/memory-estimates.js";
import { precisionName, type Precision } from "../src/components/precision.js";
import { FULL_LAYOUT, FullSizeStep, fullParams, nbitsOf, type Blocks } from "./fullsize-step.js";
import { layoutShape, type TokenLayout } from "./flux-call.js";
import { fluxForwardFlops } from "./flux-flops.js";
import { benchFlags, flagBlocks, flagNumber } from "./flags.js";
import { nodePlaces, runNodeTimes } from "./profile-trace.js";
import { splitRun, type StepSplit } from "./speed-step.js";
import { autoForm, parseForm } from "./step-profile.js";
import { median } from "./stats.js";

/** FLUX.1 Kontext [dev]: FLUX.1 [dev]'s transformer (the noisy latent alone goes in: 64 channels). */
const KONTEXT_DEV: FluxParams = { ...FLUX_FILL_DEV, inChannels: KONTEXT_IN_CHANNELS };
/** 1024x1024: 64x64 noisy tokens, then 64x64 condition tokens, in one sequence (as rows 64 x cols 128). */
const KONTEXT_LAYOUT: TokenLayout = { rows: 64, cols: 128, textTokens: 512 };
const GIB = 2 ** 30;

interface Variant {
  readonly name: string;
  readonly what: string;
  readonly params: FluxParams;
  readonly layout: TokenLayout;
}

const VARIANTS: readonly Variant[] = [
  { name: "icedit", what: "ICEdit, 1024x512 diptych: 2048 image + 512 text tokens", params: FLUX_FILL_DEV, layout: FULL_LAYOUT },
  {
    name: "kontext",
    what: "Kontext, 1024x1024: 4096 noisy + 4096 condition + 512 text tokens",
    params: KONTEXT_DEV,
    layout: KONTEXT_LAYOUT,
  },
];

/** Bytes of `params`' weights in `precision` (the block linears packed, the rest f32): the memory plan's own count. */
function weightBytes(params: FluxParams, precision: Precision): number {
  const model = new Flux(params);
  return parameterBytes(model, model.parameters(), precision, defaultFluxKeep);
}

const s = (ms: number): number => Math.round(ms / 100) / 10;
const gib = (bytes: number): number => Math.round((bytes / GIB) * 100) / 100;

export async function benchKontextStep(engine: Engine): Promise<Record<string, unknown>> {
  const blocks: Blocks = flagBlocks({ double: 1, single: 1 });
  const runs = Math.max(1, Math.round(flagNumber("runs", 2)));
  const named = benchFlags().values.get("form");
  const precision = named ? parseForm(named) : await autoForm(engine);
  const form = nbitsOf(precision);
  const say = (line: string): void => void process.stderr.write(`kontext: ${line}\n`);
  const steps: FullSizeStep[] = [];
  try {
    for (const v of VARIANTS) {
      say(`writing ${blocks.double}+${blocks.single} full-size blocks of ${v.name} in ${precisionName(precision)}`);
      steps.push(await FullSizeStep.open(engine, blocks, form, { profileFilePrefix: "profile" }, v.layout, v.params));
    }
    const meter = startPeakMeter();
    const peaks = VARIANTS.map(() => 0);
    meter.take();
    for (let r = 0; r <= runs; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const { ms } = await (steps[i] as FullSizeStep).run();
        peaks[i] = Math.max(peaks[i] as number, meter.take());
        say(`${r === 0 ? "warm-up" : `run ${r}/${runs}`} ${VARIANTS[i]?.name}: ${(ms / 1000).toFixed(1)} s`);
      }
    }
    meter.stop();
    const results: Record<string, unknown>[] = [];
    for (const [i, v] of VARIANTS.entries()) {
      const step = steps[i] as FullSizeStep;
      const trace = await step.release();
      if (!trace) throw new Error("ONNX Runtime wrote no profile trace");
      const places = nodePlaces(step.written.graph);
      const splits: StepSplit[] = (await runNodeTimes(trace)).slice(1, 1 + runs).map((run) => splitRun(run, places, blocks));
      const fullMs = median(splits.map((x) => x.full_step_ms));
      const flops = fluxForwardFlops(v.params, layoutShape(v.layout));
      const fewBlocks = weightBytes(fullParams(blocks, v.params), precision);
      const allBlocks = weightBytes(v.params, precision);
      const peak = peaks[i] as number;
      results.push({
        variant: v.name,
        what: v.what,
        image_tokens: v.layout.rows * v.layout.cols,
        text_tokens: v.layout.textTokens,
        runs: splits,
        per_double_block_s: s(median(splits.map((x) => x.per_double_block_ms))),
        per_single_block_s: s(median(splits.map((x) => x.per_single_block_ms))),
        full_step_s: s(fullMs),
        full_step_tflop: Math.round(flops / 1e11) / 10,
        achieved_gflops_per_s: Math.round(flops / 1e6 / fullMs),
        edit_28_steps_min: Math.round((28 * fullMs) / 6000) / 10,
        peak_rss_gib_measured: gib(peak),
        transformer_weights_gib: gib(allBlocks),
        peak_rss_gib_full_transformer_estimate: gib(peak - fewBlocks + allBlocks),
      });
    }
    const [icedit, kontext] = results as [Record<string, number>, Record<string, number>];
    return {
      form: precisionName(precision),
      blocks,
      variants: results,
      kontext_over_icedit_step: Math.round(((kontext["full_step_s"] as number) / (icedit["full_step_s"] as number)) * 100) / 100,
      note: "the text encoders and the VAE are not in the peak: they run before and after the transformer and can be evicted (--max-memory)",
    };
  } finally {
    for (const step of steps) await step.dispose();
  }
}
