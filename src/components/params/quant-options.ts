/** How a model's parameters are loaded block-quantized (read by both the in-memory and the cached binder). */
import type { ConvertedCache } from "../../weights/converted/index.js";
import type { QuantizedPrecision } from "../precision.js";

export interface QuantOptions {
  /** The kind, block size and MatMulNBits accuracy level. */
  readonly precision: QuantizedPrecision;
  /** Linear layers (module paths) kept in float. */
  readonly keep?: (linearPath: string) => boolean;
  /** Keep the converted weights here: built on first use, checked on every later one. */
  readonly cache?: ConvertedCache;
  /** Names the component in the cache (default: the model class, e.g. "flux"). */
  readonly component?: string;
  /** Called after each tensor a cache build converts. */
  readonly onTensor?: () => void;
}
