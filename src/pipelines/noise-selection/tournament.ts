/**
 * The paper's running-maximum tournament (docs/icedit.md §4): the incumbent (first candidate 1) meets each next
 * candidate in turn, as image 1 against the challenger's image 2; the judge's choice keeps or
 * replaces it. M - 1 comparisons, one winner. A tie (null) keeps the incumbent.
 */
import type { Judge } from "../../vlm/judge.js";
import { JudgeCancelledError } from "../../vlm/errors.js";
import { CancelledError } from "../fill/errors.js";
import type { TournamentComparison } from "./record.js";

export interface TournamentInput {
  readonly seeds: readonly number[];
  /** Encoded previews (PNG), one per seed. */
  readonly images: readonly Uint8Array[];
  readonly original: Uint8Array;
  readonly instruction: string;
  readonly judge: Judge;
  readonly signal?: AbortSignal;
  /** Under a fallback, a judge error ends the tournament (the incumbent wins) instead of failing the run. */
  readonly tolerateJudgeErrors?: boolean;
  /** For the CancelledError's message: the steps done and the steps of the whole run. */
  readonly stepsDone?: number;
  readonly steps?: number;
  readonly onComparison?: (comparison: TournamentComparison, done: number, total: number) => void;
}

export interface TournamentResult {
  /** Index of the winner in `seeds`. */
  readonly winner: number;
  readonly comparisons: readonly TournamentComparison[];
  /** The judge error that ended the tournament early, under tolerateJudgeErrors. */
  readonly judgeError?: string;
}

export async function runTournament(input: TournamentInput): Promise<TournamentResult> {
  const total = input.seeds.length - 1;
  const cancelled = (): CancelledError => new CancelledError(input.stepsDone ?? 0, input.steps ?? 0);
  const comparisons: TournamentComparison[] = [];
  let incumbent = 0;
  for (let challenger = 1; challenger <= total; challenger++) {
    if (input.signal?.aborted) throw cancelled();
    const a = input.seeds[incumbent] as number;
    const b = input.seeds[challenger] as number;
    const started = performance.now();
    try {
      const verdict = await input.judge.compare({
        image1: input.images[incumbent] as Uint8Array,
        image2: input.images[challenger] as Uint8Array,
        original: input.original,
        instruction: input.instruction,
        signal: input.signal,
      });
      const choice = verdict.choice === 1 || verdict.choice === 2 ? verdict.choice : null;
      const comparison: TournamentComparison = { a, b, choice, raw: verdict.raw, ms: verdict.ms, retried: verdict.retried };
      comparisons.push(comparison);
      if (choice === 2) incumbent = challenger;
      input.onComparison?.(comparison, challenger, total);
    } catch (error) {
      if (error instanceof JudgeCancelledError || input.signal?.aborted) throw cancelled();
      if (!input.tolerateJudgeErrors) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const comparison: TournamentComparison = {
        a,
        b,
        choice: null,
        raw: `error: ${message}`,
        ms: performance.now() - started,
        retried: false,
      };
      comparisons.push(comparison);
      input.onComparison?.(comparison, challenger, total);
      return { winner: incumbent, comparisons, judgeError: `comparison ${challenger} of ${total} failed: ${message}` };
    }
  }
  return { winner: incumbent, comparisons };
}
