/** Writing an RGB image to a file whose extension names the format, atomically. */
import type { Tensor } from "../tensor.js";
import { writeFileAtomic } from "./atomic-write.js";
import { checkEncodeOptions, encodeImage, type EncodeOptions } from "./encode.js";
import { outputFormatFromPath } from "./formats.js";
import { checkRgbImage } from "./rgb.js";

/**
 * image: [H, W, 3] u8. The extension (.png, .jpg, .jpeg, .webp) and the options are checked
 * before anything is encoded; the file appears complete or not at all.
 */
export async function writeImage(path: string, image: Tensor<"u8">, options: EncodeOptions = {}): Promise<void> {
  const format = outputFormatFromPath(path);
  checkEncodeOptions(options);
  checkRgbImage(image);
  const bytes = await encodeImage(image, format, options);
  await writeFileAtomic(path, bytes);
}
