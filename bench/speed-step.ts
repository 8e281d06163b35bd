/**
 * The full-size step of the `speed` bench: D double + S single blocks of the real widths in each
 * weight form, the forms' runs alternated, every run profiled so that its time splits into the
 * double blocks, the single blocks and the rest; the 19 + 38-block step is extrapolated from the
 * per-block times. The first form's session also runs shorter text (--max-text-tokens).
 */
import type { Engine } from "../src/runtime/engine.js";
import { FLUX_FILL_DEV } from "../src/models/flux/params.js";
import { precisionName, type Precision } from "../src/components/precision.js";
import { median } from "./stats.js";
import { FULL_LAYOUT, FullSizeStep, nbitsOf, stepFlops, type Blocks } from "./fullsize-step.js";
import { nodePlaces, runNodeTimes, type NodePlace, type RunTimes } from "./profile-trace.js";

export interface StepSplit {
  readonly wall_ms: number;
  readonly per_double_block_ms: number;
  readonly per_single_block_ms: number;
  readonly outside_blocks_ms: number;
  /** outside + 19 double + 38 single blocks. */
  readonly full_step_ms: number;
}

/** One profiled run's wall time split by block kind (kernel times scaled to the wall time), extrapolated to 57 blocks. */
export function splitRun(run: RunTimes, places: ReadonlyMap<string, NodePlace>, blocks: Blocks): StepSplit {
  let double = 0;
  let single = 0;
  let other = 0;
  for (const n of run.nodes) {
    const block = places.get(n.node)?.block ?? "other";
    if (block.startsWith("double_blocks.")) double += n.ms;
    else if (block.startsWith("single_blocks.")) single += n.ms;
    else other += n.ms;
  }
  const scale = run.runMs / (double + single + other);
  const perDouble = blocks.double > 0 ? (double * scale) / blocks.double : 0;
  const perSingle = blocks.single > 0 ? (single * scale) / blocks.single : 0;
  const outside = other * scale;
  return {
    wall_ms: Math.round(run.runMs),
    per_double_block_ms: Math.round(perDouble),
    per_single_block_ms: Math.round(perSingle),
    outside_blocks_ms: Math.round(outside),
    full_step_ms: Math.round(outside + FLUX_FILL_DEV.depth * perDouble + FLUX_FILL_DEV.depthSingleBlocks * perSingle),
  };
}

export interface FormSteps {
  readonly form: string;
  readonly runs: readonly StepSplit[];
  readonly per_double_block_s: number;
  readonly per_single_block_s: number;
  /** The median extrapolated 57-block step. */
  readonly full_step_s: number;
  readonly achieved_gflops_per_s: number;
  /** textTokens -> the extrapolated step at that text length (first form only). */
  readonly text_tokens?: Readonly<Record<string, { full_step_s: number; achieved_gflops_per_s: number }>>;
}

const s = (ms: number): number => Math.round(ms / 100) / 10;

function summary(form: Precision, splits: readonly StepSplit[], textTokens = FULL_LAYOUT.textTokens): FormSteps {
  const full = median(splits.map((r) => r.full_step_ms));
  const flops = stepFlops({ ...FULL_LAYOUT, textTokens }).full;
  return {
    form: precisionName(form),
    runs: splits,
    per_double_block_s: s(median(splits.map((r) => r.per_double_block_ms))),
    per_single_block_s: s(median(splits.map((r) => r.per_single_block_ms))),
    full_step_s: s(full),
    achieved_gflops_per_s: Math.round(flops / 1e6 / full),
  };
}

export interface StepBenchOptions {
  readonly blocks: Blocks;
  /** Timed runs per form (after one warm-up each). */
  readonly runs: number;
  /** Text lengths the first form also runs (once each). */
  readonly textTokens: readonly number[];
  readonly say: (line: string) => void;
}

export async function benchFullSizeSteps(engine: Engine, forms: readonly Precision[], options: StepBenchOptions): Promise<FormSteps[]> {
  const { blocks, runs, say } = options;
  const steps: FullSizeStep[] = [];
  try {
    for (const form of forms) {
      say(`writing ${blocks.double}+${blocks.single} full-size blocks in ${precisionName(form)}`);
      steps.push(await FullSizeStep.open(engine, blocks, nbitsOf(form), { profileFilePrefix: "profile" }));
    }
    for (const step of steps) await step.run();
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? steps : [...steps].reverse();
      for (const step of order) say(`run ${r + 1}/${runs}: ${((await step.run()).ms / 1000).toFixed(1)} s`);
    }
    const first = steps[0];
    for (const t of options.textTokens) {
      if (first) say(`${t} text tokens: ${((await first.run(t)).ms / 1000).toFixed(1)} s`);
    }
    const results: FormSteps[] = [];
    for (const [i, step] of steps.entries()) {
      const trace = await step.release();
      if (!trace) throw new Error("ONNX Runtime wrote no profile trace");
      const places = nodePlaces(step.written.graph);
      const all = (await runNodeTimes(trace)).map((run) => splitRun(run, places, blocks));
      const timed = all.slice(1, 1 + runs);
      const form = forms[i] as Precision;
      const result = summary(form, timed);
      if (i > 0) results.push(result);
      else {
        const byText = Object.fromEntries(
          options.textTokens.map((t, j) => {
            const run = all[1 + runs + j];
            const one = summary(form, run ? [run] : [], t);
            return [String(t), { full_step_s: one.full_step_s, achieved_gflops_per_s: one.achieved_gflops_per_s }];
          }),
        );
        results.push({ ...result, text_tokens: byText });
      }
    }
    return results;
  } finally {
    for (const step of steps) await step.dispose();
  }
}
