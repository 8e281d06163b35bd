/**
 * T5's relative-position buckets (transformers T5Attention._relative_position_bucket), computed on
 * the host. n = key index - query index. Small distances get one bucket each, larger ones share
 * logarithmically wider buckets up to max_distance, beyond which the last bucket is used; the
 * bidirectional (encoder) form gives keys to the right the upper half of the buckets.
 *
 * The log bucket floor(ln(a / e) / ln(D / e) * (N - e)) is evaluated exactly, with integers:
 * k <= that value iff D^k * e^(N-e) <= a^(N-e) * e^k. transformers computes it in float32, which
 * gives the same buckets for the FLUX settings (docs/golden.md §9.1, checked for -600..600).
 */
import { InvalidArgumentError } from "../../errors.js";

export interface BucketSettings {
  readonly bidirectional: boolean;
  readonly numBuckets: number;
  readonly maxDistance: number;
}

function checkSettings(s: BucketSettings): void {
  if (!Number.isInteger(s.numBuckets) || s.numBuckets < 2 || !Number.isInteger(s.maxDistance) || s.maxDistance < 1) {
    throw new InvalidArgumentError(
      `relative position buckets: num_buckets (${s.numBuckets}) and max_distance (${s.maxDistance}) must be positive integers`,
    );
  }
}

/** floor(ln(a / exact) / ln(maxDistance / exact) * span), capped at `span`, for a >= exact. */
function logOffset(a: number, exact: number, maxDistance: number, span: number): number {
  const big = (n: number): bigint => BigInt(n);
  const lhsBase = big(a) ** big(span);
  let offset = 0;
  for (let k = 1; k <= span; k++) {
    // (maxDistance / exact)^k <= (a / exact)^span
    if (big(maxDistance) ** big(k) * big(exact) ** big(span) <= lhsBase * big(exact) ** big(k)) offset = k;
    else break;
  }
  return offset;
}

/** The bucket of relative position n (key - query). */
export function relativePositionBucket(n: number, settings: BucketSettings): number {
  checkSettings(settings);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`relative position must be an integer, got ${n}`);
  let buckets = settings.numBuckets;
  let base = 0;
  let a: number;
  if (settings.bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (n > 0) base = buckets;
    a = Math.abs(n);
  } else {
    a = n < 0 ? -n : 0;
  }
  const exact = Math.floor(buckets / 2);
  if (a < exact) return base + a;
  if (settings.maxDistance <= exact) return base + buckets - 1;
  const large = exact + logOffset(a, exact, settings.maxDistance, buckets - exact);
  return base + Math.min(large, buckets - 1);
}

const TABLES = new Map<string, BigInt64Array>();
const MAX_CACHED_TABLES = 8;

/**
 * bucket[q, k] = relativePositionBucket(k - q) for a sequence of `length` tokens, row-major [T, T]
 * as int64 (the T5 encoder graph's `position_bucket` input). Cached per settings and length:
 * treat the array as read-only.
 */
export function relativePositionBucketTable(length: number, settings: BucketSettings): BigInt64Array {
  if (!Number.isInteger(length) || length < 1) throw new InvalidArgumentError(`sequence length must be a positive integer, got ${length}`);
  const key = `${settings.bidirectional}:${settings.numBuckets}:${settings.maxDistance}:${length}`;
  const cached = TABLES.get(key);
  if (cached) return cached;
  const byOffset = new Array<bigint>(2 * length - 1);
  for (let n = -(length - 1); n < length; n++) byOffset[n + length - 1] = BigInt(relativePositionBucket(n, settings));
  const table = new BigInt64Array(length * length);
  for (let q = 0; q < length; q++) {
    for (let k = 0; k < length; k++) table[q * length + k] = byOffset[k - q + length - 1] as bigint;
  }
  if (TABLES.size >= MAX_CACHED_TABLES) TABLES.clear();
  TABLES.set(key, table);
  return table;
}
