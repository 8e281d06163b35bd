/**
 * Decoding one example's two images, where every per-example problem becomes a counted skip with
 * its reason (a missing file, an image that does not decode, source and target of different sizes)
 * instead of an exception.
 */
import { ImageNotFoundError, ImageReadError } from "../../image/errors.js";
import type { RgbImage } from "../../image/rgb.js";
import { cropWatermark } from "./watermark-crop.js";
import type { SkipLog, SkipReason } from "./skip-log.js";
import type { EditTriplet } from "./triplet.js";

export interface PairRequest {
  readonly loadSource: () => Promise<RgbImage>;
  readonly loadTarget: () => Promise<RgbImage>;
  readonly instruction: string;
  readonly origin: string;
  /** MagicBrush: crop the bottom 1/32 (watermark) of both images after the size check. */
  readonly cropWatermark: boolean;
  /** Counts the skip once per example. */
  readonly skipKey: string;
}

type Loaded = { readonly image: RgbImage } | { readonly reason: SkipReason; readonly detail: string };

async function load(what: string, read: () => Promise<RgbImage>): Promise<Loaded> {
  try {
    return { image: await read() };
  } catch (error) {
    if (error instanceof ImageNotFoundError) return { reason: "missing-file", detail: `${what}: ${error.message}` };
    if (error instanceof ImageReadError) return { reason: "unreadable-image", detail: `${what}: ${error.message}` };
    throw error;
  }
}

/** The triplet, or null after logging why the example is skipped. */
export async function loadPair(request: PairRequest, log: SkipLog): Promise<EditTriplet | null> {
  const skip = (reason: SkipReason, detail: string): null => {
    log.add(request.skipKey, { origin: request.origin, reason, detail });
    return null;
  };
  const source = await load("source", request.loadSource);
  if (!("image" in source)) return skip(source.reason, source.detail);
  const target = await load("target", request.loadTarget);
  if (!("image" in target)) return skip(target.reason, target.detail);
  const [sh, sw] = source.image.dims as [number, number];
  const [th, tw] = target.image.dims as [number, number];
  if (sh !== th || sw !== tw) return skip("size-mismatch", `the source is ${sw}x${sh} but the target is ${tw}x${th}`);
  return {
    source: request.cropWatermark ? cropWatermark(source.image) : source.image,
    target: request.cropWatermark ? cropWatermark(target.image) : target.image,
    instruction: request.instruction,
    origin: request.origin,
  };
}
