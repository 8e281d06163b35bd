/** The moving average of the loss shown next to it: the mean of the last LOSS_WINDOW steps (fewer at the start). */

export const LOSS_WINDOW = 20;

/** The moving average after the step at `end` - 1 (NaN for an empty history). */
export function averageUpTo(loss: readonly number[], end: number, window = LOSS_WINDOW): number {
  const tail = loss.slice(Math.max(0, end - window), end);
  return tail.length === 0 ? Number.NaN : tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** The moving average at every step of `loss`. */
export function movingAverage(loss: readonly number[], window = LOSS_WINDOW): number[] {
  return loss.map((_, i) => averageUpTo(loss, i + 1, window));
}
