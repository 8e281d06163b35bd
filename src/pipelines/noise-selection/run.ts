/**
 * VLM-guided early-filter noise selection (docs/icedit.md §4), whichever the editing method: M
 * candidate seeds run m early steps as batches, the judge compares their x0 previews pairwise
 * (running maximum), and only the winner continues from its own step-m state to step n. Cost:
 * M*m + (n - m) transformer evaluations. The method comes in as a sampler (sampler.ts) that draws
 * each seed as its plain run does, so the winner's result equals a plain run with its seed, up to
 * float rounding of the batched runs. Pure apart from PNG encoding of the previews.
 */
import { encodeImage } from "../../image/encode.js";
import type { Tensor } from "../../tensor.js";
import type { Judge } from "../../vlm/judge.js";
import { CancelledError } from "../fill/errors.js";
import type { RunTimings } from "../fill/fill.js";
import type { StepCacheRecord, StepCacheSettings } from "../step-cache/settings.js";
import { runEarlySteps } from "./early-steps.js";
import { checkJudgeFallback, probeJudge, type JudgeFallback, type ProbeOutcome } from "./judge-probe.js";
import { candidateSeeds, earlyStepsFor, type SeedOptions } from "./plan.js";
import { decodePreviews, type CandidatePreview } from "./previews.js";
import type { JudgeRecord, SelectionProgress, TournamentRecord } from "./record.js";
import { finishRun } from "../sampler/finish.js";
import type { Sampler, SamplerModels } from "../sampler/sampler.js";
import { runTournament } from "./tournament.js";

/** What every method's noise selection takes (the method's own options extend it). */
export interface NoiseSelectionOptions extends SeedOptions {
  /** n, the steps of the winner's whole run. */
  readonly steps: number;
  readonly guidance: number;
  /** m, the candidates' early steps, capped at n - 1. */
  readonly earlySteps: number;
  readonly judge: Judge;
  /**
   * "first-seed": an unreachable judge (probe) makes the first seed the winner without running the
   * others (cost n), and a judge error during the tournament ends it with the incumbent as winner.
   * "none" (default): both are errors; the probe's comes before any transformer work.
   */
  readonly fallback?: JudgeFallback;
  /** The instruction the judge is told. */
  readonly instruction: string;
  /** [h, w, 3]: the original the judge sees as the third image. */
  readonly original: Tensor<"u8">;
  /** What of a decoded preview the judge sees (ICEdit: the diptych's right half). Default: all of it. */
  readonly view?: (image: Tensor<"u8">) => Tensor<"u8">;
  /** Candidates per transformer run in the early steps (default all M: one run per step). */
  readonly batchSize?: number;
  /** Previews per VAE decoder run (default all). */
  readonly previewBatch?: number;
  /** The judge's probe, when the caller ran probeJudge() itself (before other work of its own). */
  readonly probed?: ProbeOutcome;
  readonly onProgress?: (progress: SelectionProgress) => void;
  readonly signal?: AbortSignal;
  /** Step caching, per candidate (the winner goes on with its own cache); absent: off. */
  readonly cache?: StepCacheSettings;
}

export type SelectionModels = SamplerModels;

/** The candidate type a sampler draws. */
export type CandidateOf<S extends Sampler> = ReturnType<S["candidate"]>;

/** The winner's run and how it was chosen; the method makes its record from it. */
export interface SelectionRun<S extends Sampler> {
  /** The method's sampler, as `prepare` made it. */
  readonly sampler: S;
  readonly winner: CandidateOf<S>;
  /** [H, W, 3] uint8: the winner's decoded output, whole (not cropped by `view`). */
  readonly image: Tensor<"u8">;
  /** [1, 3, H, W] decoder output of the winner. */
  readonly decoded: Tensor<"f32">;
  /** [1, 16, H/8, W/8] the winner's final latent. */
  readonly latent: Tensor<"f32">;
  readonly previews: readonly CandidatePreview[];
  readonly tournament: TournamentRecord;
  /** The winner's step cache, with step caching on. */
  readonly cache?: StepCacheRecord;
  /** As a plain run records them; stepMs: the batched early runs (each for a whole batch), then the winner's steps. */
  readonly timings: RunTimings;
}

/** What every method's selection result carries of its run (the winner's output, the previews and the tournament). */
export type SelectionOutput = Pick<SelectionRun<Sampler>, "image" | "decoded" | "latent" | "previews" | "tournament">;

function judgeRecordOf(judge: Judge): JudgeRecord {
  return judge.identity ? { kind: judge.identity.kind, url: judge.identity.url, model: judge.identity.model } : "custom";
}

/**
 * Probe, prepare (the method's conditioning once: `prepare` gives its sampler), early steps,
 * previews, tournament, the winner's last steps, decode; each stage reported as it goes.
 */
export async function runSelection<S extends Sampler>(
  models: SelectionModels,
  prepare: () => Promise<S>,
  options: NoiseSelectionOptions,
): Promise<SelectionRun<S>> {
  const started = performance.now();
  const fallback = checkJudgeFallback(options.fallback ?? "none");
  const seeds = candidateSeeds(options);
  const n = options.steps;
  const m = earlyStepsFor(options.earlySteps, n);
  const elapsed = (): number => performance.now() - started;
  const report = (p: Omit<SelectionProgress, "ms">): void => options.onProgress?.({ ...p, ms: elapsed() });

  // The judge first: an unreachable judge fails before any transformer work.
  let probe = options.probed;
  if (!probe) {
    report({ stage: "probe", step: 0, steps: 1 });
    probe = await probeJudge(options.judge, seeds.length, fallback);
    report({ stage: "probe", step: 1, steps: 1 });
  }
  const probeFailure = probe.failure;
  const running = probeFailure === null ? seeds : seeds.slice(0, 1);
  if (options.signal?.aborted) throw new CancelledError(0, n);

  // The method's conditioning once; each seed's draws.
  report({ stage: "prepare", step: 0, steps: 1 });
  const prepareStart = performance.now();
  const sampler = await prepare();
  const candidates = running.map((seed) => sampler.candidate(seed) as CandidateOf<S>);
  const prepareMs = performance.now() - prepareStart;
  report({ stage: "prepare", step: 1, steps: 1 });

  // The early steps of all candidates, batched.
  const earlyStart = performance.now();
  const early = await runEarlySteps(models.transformer, sampler, candidates, m, {
    batchSize: options.batchSize,
    signal: options.signal,
    cache: options.cache,
    onRun: (done, total) => report({ stage: "early", step: done, steps: total }),
  });
  const earlyMs = performance.now() - earlyStart;

  // Previews: the x0 estimates of the noisy tokens through the VAE decoder, in batches.
  const previewStart = performance.now();
  report({ stage: "preview", step: 0, steps: candidates.length });
  const previews = await decodePreviews(
    models.vae,
    early.states.map((s) => s.x0),
    running,
    {
      h: sampler.latentHeight,
      w: sampler.latentWidth,
      toUint8: sampler.toUint8,
      view: options.view ?? ((image: Tensor<"u8">) => image),
      batch: options.previewBatch ?? candidates.length,
      beforeRun: () => {
        if (options.signal?.aborted) throw new CancelledError(m, n);
      },
      onDone: (done, total) => report({ stage: "preview", step: done, steps: total }),
    },
  );
  const previewMs = performance.now() - previewStart;

  // The tournament.
  const tournamentStart = performance.now();
  let winner = 0;
  let comparisons: TournamentRecord["comparisons"] = [];
  let fallbackReason: string | undefined = probeFailure ?? undefined;
  if (candidates.length > 1) {
    report({ stage: "compare", step: 0, steps: candidates.length - 1 });
    const images = await Promise.all(previews.map((p) => encodeImage(p.image, "png")));
    const result = await runTournament({
      seeds: running,
      images,
      original: await encodeImage(options.original, "png"),
      instruction: options.instruction,
      judge: options.judge,
      signal: options.signal,
      tolerateJudgeErrors: fallback === "first-seed",
      stepsDone: m,
      steps: n,
      onComparison: (comparison, done, total) => report({ stage: "compare", step: done, steps: total, comparison }),
    });
    winner = result.winner;
    comparisons = result.comparisons;
    fallbackReason = result.judgeError ?? fallbackReason;
  }
  const tournamentMs = performance.now() - tournamentStart;
  const winnerSeed = running[winner] as number;
  report({ stage: "winner", step: 1, steps: 1, winner: winnerSeed });
  if (options.signal?.aborted) throw new CancelledError(m, n);

  // Only the winner goes on, from its own step-m state.
  report({ stage: "continue", step: m, steps: n, from: m });
  const chosen = candidates[winner] as CandidateOf<S>;
  const chosenState = early.states[winner] as (typeof early.states)[number];
  const finished = await finishRun(models, sampler, chosen, chosenState.x, {
    from: m,
    signal: options.signal,
    cache: chosenState.cache,
    onStep: (info) => report({ stage: "continue", step: info.step, steps: n, from: m }),
    onDecode: (done) => report({ stage: "decode", step: done, steps: 1 }),
  });
  const { image, decoded, latent, decodeMs } = finished;
  const continueStepMs = [...finished.stepMs];
  const continueMs = finished.denoiseMs;
  const totalMs = elapsed();

  const tournament: TournamentRecord = {
    candidates: seeds,
    comparisons,
    winner: winnerSeed,
    nfe: early.nfe + continueStepMs.length,
    runs: early.runs + continueStepMs.length,
    earlySteps: m,
    steps: n,
    batch: Math.min(options.batchSize ?? candidates.length, candidates.length),
    judge: probeFailure === null ? judgeRecordOf(options.judge) : "fallback: first-seed",
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    timings: {
      probeMs: probe.ms,
      prepareMs,
      earlyMs,
      earlyStepMs: early.stepMs,
      previewMs,
      tournamentMs,
      continueMs,
      continueStepMs,
      decodeMs,
      totalMs,
    },
  };
  return {
    sampler,
    winner: chosen,
    image,
    decoded,
    latent,
    previews,
    tournament,
    ...(chosenState.cache ? { cache: chosenState.cache.record() } : {}),
    timings: { prepareMs, denoiseMs: earlyMs + continueMs, stepMs: [...early.stepMs, ...continueStepMs], decodeMs, totalMs },
  };
}
