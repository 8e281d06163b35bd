/**
 * The image preprocessing of the metric models, as torchvision composes it on a PIL image:
 * Resize(resize, bicubic) -> CenterCrop(crop) -> ToTensor (/255) -> Normalize(mean, std).
 * CLIP's (openai `clip.load`) and DINO's (MagicBrush's image_eval.py) differ only in the numbers.
 */
import { InvalidArgumentError } from "../../errors.js";
import { pilResizeBicubic } from "../../image/pil-resize.js";
import { checkRgbImage, rgbImage, type RgbImage } from "../../image/rgb.js";
import { tensor, type Tensor } from "../../tensor.js";
import { centerCropOffsets, resizedSize } from "./geometry.js";

export interface ImageTransform {
  /** Resize(resize): the shorter side's length after resizing. */
  readonly resize: number;
  /** CenterCrop(crop): the square side fed to the model (its image_size). */
  readonly crop: number;
  /** Per-channel (R, G, B) mean and std of Normalize. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** openai CLIP's preprocess at 224 pixels (ViT-B/32 and ViT-L/14). */
export const CLIP_TRANSFORM: ImageTransform = {
  resize: 224,
  crop: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** MagicBrush's DINO transform: Resize(256), CenterCrop(224), ImageNet's mean and std. */
export const DINO_TRANSFORM: ImageTransform = {
  resize: 256,
  crop: 224,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** image: [H, W, 3] u8 -> the [crop, crop, 3] window at torchvision's CenterCrop offsets. */
export function centerCrop(image: Tensor<"u8">, crop: number): RgbImage {
  const { width, height, data } = checkRgbImage(image);
  const { top, left } = centerCropOffsets(height, width, crop);
  const out = new Uint8Array(crop * crop * 3);
  for (let y = 0; y < crop; y++)
    out.set(data.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + crop) * 3), y * crop * 3);
  return rgbImage(crop, crop, out);
}

/** Resize(size) with PIL's bicubic filter (the image is returned as it is when it already has that size). */
export function resizeShorterSide(image: Tensor<"u8">, size: number): RgbImage {
  const { width, height } = checkRgbImage(image);
  const [h, w] = resizedSize(height, width, size);
  return h === height && w === width ? image : pilResizeBicubic(image, w, h);
}

/** ToTensor + Normalize in float32 as torch computes them: ((v / 255) - mean) / std, written as [3, H, W] at `offset`. */
export function normalizeInto(image: Tensor<"u8">, t: Pick<ImageTransform, "mean" | "std">, out: Float32Array, offset = 0): void {
  const { width, height, data } = checkRgbImage(image);
  const plane = width * height;
  if (out.length < offset + 3 * plane)
    throw new InvalidArgumentError(`normalize: the output holds ${out.length} values, needs ${offset + 3 * plane}`);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(t.mean[c] as number);
    const std = Math.fround(t.std[c] as number);
    for (let i = 0; i < plane; i++) {
      const v = Math.fround((data[i * 3 + c] as number) / 255);
      out[offset + c * plane + i] = Math.fround(v - mean) / std;
    }
  }
}

function checkTransform(t: ImageTransform): void {
  if (!Number.isInteger(t.resize) || !Number.isInteger(t.crop) || t.crop < 1 || t.resize < t.crop) {
    throw new InvalidArgumentError(`image transform: resize ${t.resize} and crop ${t.crop} must be integers with resize >= crop >= 1`);
  }
  if (t.std.some((s) => !(s > 0))) throw new InvalidArgumentError(`image transform: std [${t.std.join(", ")}] must be positive`);
}

/** images: each [H, W, 3] u8 (any sizes) -> pixel_values [N, 3, crop, crop] f32. */
export function preprocessImages(images: readonly Tensor<"u8">[], t: ImageTransform): Tensor<"f32"> {
  checkTransform(t);
  if (images.length === 0) throw new InvalidArgumentError("preprocess: no images");
  const plane = t.crop * t.crop;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((image, n) => normalizeInto(centerCrop(resizeShorterSide(image, t.resize), t.crop), t, out, n * 3 * plane));
  return tensor("f32", [images.length, 3, t.crop, t.crop], out);
}
