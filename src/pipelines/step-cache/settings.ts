/** Step caching's settings and record: which cache, its threshold, and the steps it skipped. */

export const STEP_CACHE_KINDS = ["fbcache", "teacache"] as const;
export type StepCacheKind = (typeof STEP_CACHE_KINDS)[number];

/**
 * Default thresholds: First-Block Cache's 0.12 (ParaAttention's FLUX example, about 1.8x at 28
 * steps) and TeaCache's 0.4 (TeaCache4FLUX's "about 1.8x" setting).
 */
export const DEFAULT_CACHE_THRESHOLDS: Readonly<Record<StepCacheKind, number>> = { fbcache: 0.12, teacache: 0.4 };

export interface StepCacheSettings {
  readonly kind: StepCacheKind;
  /** fbcache: the largest relative change of the first block's residual that reuses the cache; teacache: of the accumulated rescaled change. */
  readonly threshold: number;
}

export interface StepCacheRecord extends StepCacheSettings {
  /** The steps (1-based, as progress counts them) whose blocks were not run: the cached residual stood in. */
  readonly skippedSteps: readonly number[];
}
