/**
 * The learning rate over a run: constant, then (with `decaySteps` > 0) a linear decay over the
 * last `decaySteps` optimizer steps, towards 0 (a warmup-stable-decay schedule without the
 * warm-up). Step n of N (1-based) runs at lr · lrScale(n): 1 while n <= N - K, then
 * (N - n + 1) / (K + 1), so the last step runs at lr / (K + 1). Because the constant part does not
 * depend on N or K, a constant run can be resumed with a decay added, as long as the decay starts
 * after the checkpoint (firstScheduleDifference).
 */

export interface LrSchedule {
  /** Optimizer steps of the whole run. */
  readonly steps: number;
  /** Steps at the end of the run over which the lr decays linearly (0: constant). */
  readonly decaySteps: number;
}

/** The multiplier of the lr at optimizer step `step` (1-based) of the schedule. */
export function lrScale(schedule: LrSchedule, step: number): number {
  const left = schedule.steps - step + 1;
  return schedule.decaySteps > 0 && left <= schedule.decaySteps ? left / (schedule.decaySteps + 1) : 1;
}

/** The first of steps 1..upTo where the two schedules' lr differ, or null when they agree on all. */
export function firstScheduleDifference(a: LrSchedule, b: LrSchedule, upTo: number): number | null {
  for (let step = 1; step <= upTo; step++) if (lrScale(a, step) !== lrScale(b, step)) return step;
  return null;
}

/** "constant lr" or "lr decaying linearly over the last K of N steps": for messages. */
export function describeSchedule(schedule: LrSchedule): string {
  return schedule.decaySteps > 0
    ? `lr decaying linearly over the last ${schedule.decaySteps} of ${schedule.steps} steps`
    : `constant lr over ${schedule.steps} steps`;
}
