/** Element-wise comparison with the golden tolerance rule |a - e| <= atol + rtol |e|. */
import type { Tensor } from "../tensor.js";
import type { CaseTolerance, ToleranceRule } from "./manifest.js";

export const DEFAULT_RULE: ToleranceRule = { atol: 1e-4, rtol: 1e-3 };

/** The rule for one tensor: an exact per_tensor entry, then a `prefix*` entry, then the case default. */
export function ruleFor(tolerance: CaseTolerance, tensorName: string, fallback: ToleranceRule = DEFAULT_RULE): ToleranceRule {
  const perTensor = tolerance.per_tensor ?? {};
  const exact = perTensor[tensorName];
  if (exact) return exact;
  for (const [key, rule] of Object.entries(perTensor)) {
    if (key.endsWith("*") && tensorName.startsWith(key.slice(0, -1))) return rule;
  }
  return { atol: tolerance.atol ?? fallback.atol, rtol: tolerance.rtol ?? fallback.rtol };
}

export interface TensorComparison {
  readonly name: string;
  readonly ok: boolean;
  readonly maxAbsErr: number;
  /** Elements outside the tolerance. */
  readonly failures: number;
  readonly count: number;
  /** Why it could not be compared (shape mismatch), if so. */
  readonly problem?: string;
}

function asNumbers(t: Tensor): ArrayLike<number> {
  if (t.data instanceof BigInt64Array) return Array.from(t.data, (v) => Number(v));
  return t.data;
}

export function compareTensor(name: string, actual: Tensor, expected: Tensor, rule: ToleranceRule): TensorComparison {
  const count = expected.data.length;
  const sameShape = actual.dims.length === expected.dims.length && actual.dims.every((d, i) => d === expected.dims[i]);
  if (!sameShape) {
    const problem = `shape [${actual.dims}] differs from expected [${expected.dims}]`;
    return { name, ok: false, maxAbsErr: Infinity, failures: count, count, problem };
  }
  const a = asNumbers(actual);
  const e = asNumbers(expected);
  let maxAbsErr = 0;
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const x = a[i] as number;
    const y = e[i] as number;
    const err = Math.abs(x - y);
    const bothSame = x === y || (Number.isNaN(x) && Number.isNaN(y));
    if (!bothSame && !(err <= rule.atol + rule.rtol * Math.abs(y))) failures++;
    if (!bothSame) maxAbsErr = Math.max(maxAbsErr, Number.isNaN(err) ? Infinity : err);
  }
  return { name, ok: failures === 0, maxAbsErr, failures, count };
}
