/** Helpers of the noise-selection tests (ICEdit's and Kontext's): a scripted judge and a float difference. */
import type { Judge, JudgeRequest } from "../../src/vlm/index.js";

/**
 * Picks by a script of choices, keeping the requests it was sent: an Error in the script is thrown
 * at its turn; once the script runs out it answers null (or, with `whenOut: "throw"`, throws).
 */
export function scripted(
  choices: readonly (1 | 2 | null | Error)[],
  options: { readonly whenOut?: "null" | "throw" } = {},
): Judge & { seen: JudgeRequest[] } {
  const seen: JudgeRequest[] = [];
  return {
    seen,
    async probe() {},
    async compare(request) {
      seen.push(request);
      const next = choices[seen.length - 1];
      if (next instanceof Error) throw next;
      if (next === undefined && options.whenOut === "throw") throw new Error("the script ran out");
      return { choice: next ?? null, raw: String(next ?? null), ms: 1, retried: false };
    },
  };
}

/** The largest |a[i] - b[i]| of two arrays of the same length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
