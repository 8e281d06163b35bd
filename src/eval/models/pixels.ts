/** The checks of what the metric models take: preprocessed pixel batches. */
import { InvalidArgumentError } from "../../errors.js";
import { shapeString, type Tensor } from "../../tensor.js";

/** A pixel or id batch given to a metric model does not have the shape it takes; the message says which would. */
export class MetricModelInputError extends InvalidArgumentError {}

/** pixels must be f32 [B >= 1, channels, side, side]; returns B. */
export function checkPixelBatch(what: string, pixels: Tensor, channels: number, side: number): number {
  const want = `[B, ${channels}, ${side}, ${side}] float32 (preprocessed: resized, center-cropped to ${side}, normalized)`;
  const [b, c, h, w] = pixels.dims as [number, number, number, number];
  if (pixels.dtype !== "f32" || pixels.dims.length !== 4 || c !== channels || h !== side || w !== side || b < 1) {
    throw new MetricModelInputError(`${what}: pixel_values must be ${want}, got ${pixels.dtype} ${shapeString(pixels.dims)}`);
  }
  return b;
}
