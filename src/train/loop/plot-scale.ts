/** The axes of the loss plot: the data ranges, "nice" tick values and their labels, and data -> pixel maps. */

/** Where the plot area sits in the image (pixels; right and bottom exclusive). */
export interface PlotFrame {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** Decimal places of the tick labels. */
  readonly decimals: number;
}

/** A tick spacing of 1, 2 or 5 times a power of ten, giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** An axis covering [lo, hi] (widened when empty), bounds rounded out to whole ticks. */
export function niceAxis(lo: number, hi: number, count: number, integer = false): Axis {
  let a = lo;
  let b = hi;
  if (!(b > a)) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  let step = niceStep(b - a, count);
  if (integer) step = Math.max(1, Math.round(step));
  const min = Math.floor(a / step) * step;
  const max = Math.ceil(b / step) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(min + i * step);
  const decimals = integer ? 0 : Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { min, max, ticks, decimals };
}

/** A tick's label: fixed decimals, or exponent form for tiny or huge values. */
export function tickLabel(value: number, axis: Axis): string {
  if (axis.decimals > 6 || Math.abs(value) >= 1e7) return value.toExponential(2).toUpperCase();
  const text = value.toFixed(axis.decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Pixel column of x (left edge = axis min). */
export function xPixel(frame: PlotFrame, axis: Axis, x: number): number {
  return frame.left + Math.round(((x - axis.min) / (axis.max - axis.min)) * (frame.right - 1 - frame.left));
}

/** Pixel row of y (bottom edge = axis min). */
export function yPixel(frame: PlotFrame, axis: Axis, y: number): number {
  return frame.bottom - 1 - Math.round(((y - axis.min) / (axis.max - axis.min)) * (frame.bottom - 1 - frame.top));
}
