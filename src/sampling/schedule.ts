/**
 * The shifted flow-matching schedule of FLUX (BFL sampling.get_schedule), reproduced with the
 * reference's float32 tensor semantics, and diffusers' variant of the same schedule.
 */
import { InvalidArgumentError } from "../errors.js";

const fr = Math.fround;

export interface ShiftOptions {
  readonly baseShift?: number;
  readonly maxShift?: number;
  /** false: the plain linear schedule (FLUX.1 schnell). */
  readonly shift?: boolean;
}

/** mu for `imageSeqLen` image tokens: the line through (256, baseShift) and (4096, maxShift), not clamped. */
export function scheduleMu(imageSeqLen: number, baseShift = 0.5, maxShift = 1.15): number {
  const m = (maxShift - baseShift) / (4096 - 256);
  const b = baseShift - m * 256;
  return m * imageSeqLen + b;
}

/**
 * torch.linspace(start, end, steps) for float32 on the CPU (symmetric halves). The kernel's
 * `start + step * idx` is compiled to a fused multiply-add (one rounding); step * idx is exact in
 * float64 for float32 step and a small idx, so one Math.fround of the float64 expression is the FMA.
 */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = fr(start);
  const e = fr(end);
  const step = fr((e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < halfway ? fr(s + step * i) : fr(e - step * (steps - i - 1));
  return out;
}

function checkSteps(numSteps: number, imageSeqLen: number): void {
  if (!Number.isInteger(numSteps) || numSteps < 1) {
    throw new InvalidArgumentError(`the number of steps must be a whole number of at least 1, got ${numSteps}`);
  }
  if (!Number.isInteger(imageSeqLen) || imageSeqLen < 1) {
    throw new InvalidArgumentError(`the image sequence length must be a positive whole number, got ${imageSeqLen}`);
  }
}

/**
 * BFL get_schedule(num_steps, image_seq_len): numSteps + 1 float32 times from 1 down to 0.
 * time_shift is exp(mu) / (exp(mu) + (1/t - 1)), evaluated as torch does for a float32 tensor:
 * exp(mu) rounded to float32, and scalar / tensor as reciprocal(tensor) * scalar.
 */
export function getSchedule(numSteps: number, imageSeqLen: number, options: ShiftOptions = {}): Float32Array {
  checkSteps(numSteps, imageSeqLen);
  const t = linspaceF32(1, 0, numSteps + 1);
  if (options.shift === false) return t;
  const expMu = fr(Math.exp(scheduleMu(imageSeqLen, options.baseShift, options.maxShift)));
  return t.map((v) => {
    const odds = fr(fr(1 / v) - 1);
    return fr(fr(1 / fr(expMu + odds)) * expMu);
  });
}

/**
 * diffusers FluxFillPipeline + FlowMatchEulerDiscreteScheduler (dynamic shifting): sigmas
 * linspace(1, 1/N, N) in float64, shifted in float64, cast to float32, then a terminal 0.
 */
export function getDiffusersSchedule(numSteps: number, imageSeqLen: number, options: ShiftOptions = {}): Float32Array {
  checkSteps(numSteps, imageSeqLen);
  const out = new Float32Array(numSteps + 1);
  const mu = scheduleMu(imageSeqLen, options.baseShift, options.maxShift);
  for (let i = 0; i < numSteps; i++) {
    const sigma = numSteps === 1 ? 1 : 1 + (i * (1 / numSteps - 1)) / (numSteps - 1);
    out[i] = options.shift === false ? sigma : Math.exp(mu) / (Math.exp(mu) + (1 / sigma - 1));
  }
  out[numSteps] = 0;
  return out;
}
