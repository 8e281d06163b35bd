/** What the faces (CLI, server) use to open and convert models: they import models only through here (or the session). */
export {
  convertModel,
  convertPrecision,
  openModel,
  DEFAULT_LORA,
  DEFAULT_MODEL,
  type ConvertOptions,
  type OpenOptions,
  type ModelIdentity,
} from "./open-model.js";
export { CONVERTIBLE, type ConvertedComponent, type ConvertibleComponent } from "../components/convert-models.js";
export {
  AUTO,
  F32,
  precisionChoice,
  precisionOf,
  type Precision,
  type PrecisionChoice,
  type PrecisionKind,
} from "../components/precision.js";
export { BLOCK_SIZES } from "../weights/quant/index.js";
export type { CacheEvent } from "../weights/converted/index.js";
export { convertedCacheDir as defaultConvertedCacheDir } from "../weights/hub/cache-dirs.js";
