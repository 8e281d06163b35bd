/** The image layer: decode, encode, resize (sharp), the ICEdit size rule, diptych and mask. */
export { readImage, decodeImage, type DecodeOptions } from "./decode.js";
export { probeImage, type ImageInfo, type ProbeOptions } from "./probe.js";
export { writeImage } from "./write.js";
export { encodeImage, DEFAULT_QUALITY, type EncodeOptions } from "./encode.js";
export { resizeImage, type ResizeKernel } from "./resize.js";
export { editSize, EDIT_WIDTH, EDIT_MULTIPLE } from "./edit-size.js";
export { makeDiptych, cropRightHalf, type Diptych } from "./diptych.js";
export { rgbImage, checkRgbImage, type RgbImage, type Mask, type RgbView } from "./rgb.js";
export { DEFAULT_MAX_PIXELS, type ImageLimits } from "./limits.js";
export { readableFormatNames, outputFormatFromPath, SUPPORTED_OUTPUT_EXTENSIONS, type OutputFormat } from "./formats.js";
export { declaredSize, type DeclaredSize } from "./header.js";
export * from "./errors.js";
