/** The judge's probe before any transformer work, and what an unreachable judge does (the fallback). */
import { InvalidArgumentError } from "../../errors.js";
import type { Judge } from "../../vlm/judge.js";

/** What to do when the judge cannot be reached at the probe (or fails during the tournament). */
export type JudgeFallback = "none" | "first-seed";
export const JUDGE_FALLBACKS: readonly JudgeFallback[] = ["none", "first-seed"];

/** `fallback` as a JudgeFallback; anything else (from plain JavaScript) is refused. */
export function checkJudgeFallback(fallback: unknown): JudgeFallback {
  if (!JUDGE_FALLBACKS.includes(fallback as JudgeFallback))
    throw new InvalidArgumentError(`the judge fallback must be "none" or "first-seed", got "${String(fallback)}"`);
  return fallback as JudgeFallback;
}

/** A probe's outcome: null when the judge answered, else why it failed (only under the fallback). */
export interface ProbeOutcome {
  readonly failure: string | null;
  readonly ms: number;
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
