/**
 * FLUX.1 Fill with VLM-guided early-filter noise selection (docs/icedit.md §4): M candidate seeds
 * run m early steps as batches, a judge compares their x0 previews pairwise (running maximum), and
 * only the winner continues from its own step-m state to step n. Cost: M*m + (n - m) transformer
 * evaluations. The result equals a plain fill with the winner's seed, up to float rounding of
 * the batched runs. Pure apart from PNG encoding of the previews: no files, no console.
 */
import { encodeImage } from "../../image/encode.js";
import { unpackLatents } from "../../sampling/packing.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor.js";
import type { Judge } from "../../vlm/judge.js";
import { DIFFUSERS_CONVENTIONS, type FillConventions } from "../fill/conventions.js";
import { denoise } from "../fill/denoise.js";
import { CancelledError } from "../fill/errors.js";
import { checkFillOptions, type FillModels, type FillRecord, type FillRequest } from "../fill/fill.js";
import { checkPixels, tensorToImage, type SizePolicy } from "../fill/pixels.js";
import { encodeFill, type FillConditioning } from "../fill/prepare.js";
import { fillSchedule, LATENT_CHANNELS, modelTimeOf } from "../fill/stages.js";
import { decodePreviews, type CandidatePreview } from "./previews.js";
import { batchConditioning, makeCandidate, runEarlySteps, type SharedFill } from "./candidates.js";
import { candidateSeeds, earlyStepsFor, type SeedOptions } from "./plan.js";
import type { JudgeRecord, SelectionProgress, TournamentRecord } from "./record.js";
import { runTournament } from "./tournament.js";
import type { StepCacheSettings } from "../step-cache/settings.js";

/** What to do when the judge cannot be reached at the probe (or fails during the tournament). */
export type JudgeFallback = "none" | "first-seed";
export const JUDGE_FALLBACKS: readonly JudgeFallback[] = ["none", "first-seed"];

/** `fallback` as a JudgeFallback; anything else (from plain JavaScript) is refused. */
export function checkJudgeFallback(fallback: unknown): JudgeFallback {
  if (!JUDGE_FALLBACKS.includes(fallback as JudgeFallback))
    throw new InvalidArgumentError(`the judge fallback must be "none" or "first-seed", got "${String(fallback)}"`);
  return fallback as JudgeFallback;
}

export interface SelectionOptions extends SeedOptions {
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
  readonly conventions?: FillConventions;
  readonly sizePolicy?: SizePolicy;
  /** The judge's probe, when the caller ran probeJudge() itself (before other work of its own). */
  readonly probed?: ProbeOutcome;
  readonly onProgress?: (progress: SelectionProgress) => void;
  readonly signal?: AbortSignal;
  /** Step caching, per candidate (the winner goes on with its own cache); absent: off. */
  readonly cache?: StepCacheSettings;
}

/** A probe's outcome: null when the judge answered, else why it failed (only under the fallback). */
export interface ProbeOutcome {
  readonly failure: string | null;
  readonly ms: number;
}

export interface SelectionResult {
  /** [H, W, 3] uint8: the winner's fill, whole (not cropped by `view`). */
  readonly image: Tensor<"u8">;
  /** [1, 3, H, W] decoder output of the winner. */
  readonly decoded: Tensor<"f32">;
  /** [1, 16, H/8, W/8] the winner's final latent. */
  readonly latent: Tensor<"f32">;
  readonly conditioning: FillConditioning;
  readonly previews: readonly CandidatePreview[];
  /** The winner's fill, as a plain fill with its seed would record it (timings of this run). */
  readonly record: FillRecord;
  readonly tournament: TournamentRecord;
}

function judgeRecordOf(judge: Judge): JudgeRecord {
  return judge.identity ? { kind: judge.identity.kind, url: judge.identity.url, model: judge.identity.model } : "custom";
}

/**
 * Probes the judge when there is something to judge (more than one candidate). Under the
 * first-seed fallback a failure is returned as its message; otherwise it is thrown.
 */
export async function probeJudge(judge: Judge, candidates: number, fallback: JudgeFallback = "none"): Promise<ProbeOutcome> {
  const started = performance.now();
  if (candidates < 2) return { failure: null, ms: 0 };
  try {
    await judge.probe();
    return { failure: null, ms: performance.now() - started };
  } catch (error) {
    if (fallback !== "first-seed") throw error;
    return { failure: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
  }
}

export async function fillWithNoiseSelection(
  models: FillModels,
  request: FillRequest,
  options: SelectionOptions,
): Promise<SelectionResult> {
  const started = performance.now();
  const conventions = options.conventions ?? DIFFUSERS_CONVENTIONS;
  const fallback = checkJudgeFallback(options.fallback ?? "none");
  const seeds = candidateSeeds(options);
  checkFillOptions({ seed: seeds[0] as number, steps: options.steps, guidance: options.guidance }, request);
  const n = options.steps;
  const m = earlyStepsFor(options.earlySteps, n);
  const pixels = checkPixels(request.image, request.mask, options.sizePolicy);
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
  const probeMs = probe.ms;
  const running = probeFailure === null ? seeds : seeds.slice(0, 1);
  if (options.signal?.aborted) throw new CancelledError(0, n);

  // Conditioning once: the masked image through the VAE encoder; each seed's draws.
  report({ stage: "prepare", step: 0, steps: 1 });
  const prepareStart = performance.now();
  const h = pixels.height / 8;
  const w = pixels.width / 8;
  const imageTokens = (h / 2) * (w / 2);
  const shared: SharedFill = {
    pixels,
    encoded: await encodeFill(models.vae, pixels, conventions),
    conventions,
    latentDims: [1, LATENT_CHANNELS, h, w],
    imageTokens,
    schedule: fillSchedule(conventions, n, imageTokens),
    txt: request.txt,
    y: request.y,
    guidance: options.guidance,
  };
  const candidates = running.map((seed) => makeCandidate(shared, seed));
  const prepareMs = performance.now() - prepareStart;
  report({ stage: "prepare", step: 1, steps: 1 });

  // The early steps of all candidates, batched.
  const earlyStart = performance.now();
  const early = await runEarlySteps(models.transformer, shared, candidates, m, {
    batchSize: options.batchSize,
    signal: options.signal,
    cache: options.cache,
    onRun: (done, total) => report({ stage: "early", step: done, steps: total }),
  });
  const earlyMs = performance.now() - earlyStart;

  // Previews: x0 estimates through the VAE decoder, in batches.
  const previewStart = performance.now();
  report({ stage: "preview", step: 0, steps: candidates.length });
  const previews = await decodePreviews(
    models.vae,
    early.states.map((s) => s.x0),
    running,
    {
      h,
      w,
      conventions,
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
  const continueStart = performance.now();
  report({ stage: "continue", step: m, steps: n, from: m });
  const chosen = candidates[winner] as (typeof candidates)[number];
  const chosenState = early.states[winner] as (typeof early.states)[number];
  const continueStepMs: number[] = [];
  const x = await denoise(models.transformer, chosenState.x, batchConditioning(shared, [chosen]), shared.schedule, {
    from: m,
    to: n,
    modelTime: modelTimeOf(conventions),
    signal: options.signal,
    cache: chosenState.cache,
    onStep: (info) => {
      continueStepMs.push(info.ms);
      report({ stage: "continue", step: info.step, steps: n, from: m });
    },
  });
  const continueMs = performance.now() - continueStart;

  const decodeStart = performance.now();
  report({ stage: "decode", step: 0, steps: 1 });
  const latent = unpackLatents(x, h, w);
  const { image: decoded } = await models.vae.decode(latent);
  const image = tensorToImage(decoded, conventions.toUint8);
  const decodeMs = performance.now() - decodeStart;
  report({ stage: "decode", step: 1, steps: 1 });
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
      probeMs,
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
    image,
    decoded,
    latent,
    conditioning: chosen.conditioning,
    previews,
    record: {
      conventions: conventions.name,
      seed: winnerSeed,
      steps: n,
      guidance: options.guidance,
      width: pixels.width,
      height: pixels.height,
      imageTokens,
      schedule: [...shared.schedule],
      // stepMs: the batched early runs (each for a whole batch of candidates), then the winner's steps.
      timings: { prepareMs, denoiseMs: earlyMs + continueMs, stepMs: [...early.stepMs, ...continueStepMs], decodeMs, totalMs },
      ...(chosenState.cache ? { cache: chosenState.cache.record() } : {}),
    },
    tournament,
  };
}
