export { ConvertedCache, ConvertedCacheError, sha256File, type CacheEvent, type CacheOptions, type ConvertRequest } from "./cache.js";
export { ConvertedWriter, packedNames } from "./writer.js";
export {
  CONVERTED_FORMAT,
  DATA_FILE,
  MANIFEST_FILE,
  type ConvertedManifest,
  type ConvertedPrecision,
  type SourceFileStamp,
  type StoredPacking,
  type StoredTensor,
} from "./manifest.js";
export { sourceStamps } from "./source-identity.js";
