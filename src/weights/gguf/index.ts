/**
 * GGUF v3 files (community FLUX checkpoints, city96 ComfyUI-GGUF convention) as a TensorSource.
 * See docs/golden.md §1.2 for the format.
 */
import { GgufFile } from "./file.js";

export { GgufFile, COMFY_PREFIX, metadataText, type GgufTensorEntry } from "./file.js";
export { dequantizeBlocks, type GgufBlocks, type GgufQ4_0Blocks, type GgufQ8_0Blocks } from "./blocks.js";
export { GgufFormatError, NotBlockQuantizedError, UnsupportedGgmlTypeError, UnsupportedGgufVersionError } from "./errors.js";
export type { GgmlBlockType, GgmlTypeName, GgufInfo, GgufTensorInfo, GgufValue, GgufValueTypeName } from "./types.js";

/** Opens a .gguf file; the header is validated up front, tensors are read one by one by byte range. */
export async function openGguf(path: string): Promise<GgufFile> {
  return GgufFile.open(path);
}
