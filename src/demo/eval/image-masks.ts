/**
 * The rule's masks (score.ts) from the two images alone, for edits whose scenes someone else drew
 * (no Scene object: `icedit eval-demo --scenes DIR`):
 *   region:  pixels whose colour differs between source and target by more than CHANGE_THRESHOLD
 *            (max over channels);
 *   outside: pixels not in the region and more than EDGE_MARGIN (2) px from every shape edge,
 *            where a pixel is near an edge when some pixel within Euclidean distance EDGE_MARGIN of
 *            it has another colour (difference > CHANGE_THRESHOLD) in the source or in the target.
 * This is outside-mask.ts read from pixels: "the other side of a shape's mask" becomes "another
 * colour", so anti-aliased edge pixels (a blend of two colours) count as edges themselves.
 *
 * Why CHANGE_THRESHOLD = 8: the nearest two palette colours differ by 160 in some channel (blue and
 * green), so a pixel a shape covers by a fraction a changes by about 160 a or more. Every pixel our
 * 4x4-supersampled scenes touch (a >= 1/16: a change of 10 or more) is in the region, as in the
 * Scene-derived mask; a finer anti-aliaser's faintest pixels (a below 5%) are left out of the region,
 * but they lie beside an edge, so they are out of the outside mask too and count for nothing either
 * way (their target is within 8 of their source). The threshold also keeps a target re-encoded with
 * a few levels of noise from turning the whole canvas into the region.
 */
import { checkRgbImage, type Mask, type RgbImage } from "../../image/index.js";
import { tensor } from "../../tensor.js";
import { ScoreInputError } from "./errors.js";
import { diskOffsets, EDGE_MARGIN } from "./outside-mask.js";
import { pixelDistance } from "./palette.js";

/** The largest max-channel difference that still counts as "the same colour". */
export const CHANGE_THRESHOLD = 8;

export interface ImageMasks {
  /** [H, W] u8, 1 where the target's colour differs from the source's. */
  readonly region: Mask;
  /** [H, W] u8, 1 where a pixel is outside the region and at least EDGE_MARGIN px from every colour edge. */
  readonly outside: Mask;
}

/** source, target: [H, W, 3] u8 of one size -> region, outside: [H, W] u8. */
export function imageMasks(source: RgbImage, target: RgbImage, margin: number = EDGE_MARGIN): ImageMasks {
  const src = checkRgbImage(source, "source");
  const tgt = checkRgbImage(target, "target");
  const { width, height } = src;
  if (tgt.width !== width || tgt.height !== height)
    throw new ScoreInputError(`the target is ${tgt.width}x${tgt.height}, the source ${width}x${height}: draw both at one size`);
  if (!Number.isInteger(margin) || margin < 0) throw new ScoreInputError(`the edge margin must be a whole number >= 0, got ${margin}`);
  const region = new Uint8Array(width * height);
  for (let i = 0; i < region.length; i++) region[i] = pixelDistance(src.data, tgt.data, i) > CHANGE_THRESHOLD ? 1 : 0;
  const outside = region.map((r) => (r ? 0 : 1));
  const offsets = diskOffsets(margin);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!outside[i]) continue;
      for (const [dy, dx] of offsets) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
        const j = yy * width + xx;
        if (differs(src.data, i, j) || differs(tgt.data, i, j)) {
          outside[i] = 0;
          break;
        }
      }
    }
  }
  return { region: tensor("u8", [height, width], region), outside: tensor("u8", [height, width], outside) };
}

/** Whether pixels i and j of one interleaved RGB buffer have different colours. */
function differs(data: Uint8Array, i: number, j: number): boolean {
  const a = i * 3;
  const b = j * 3;
  return (
    Math.abs((data[a] ?? 0) - (data[b] ?? 0)) > CHANGE_THRESHOLD ||
    Math.abs((data[a + 1] ?? 0) - (data[b + 1] ?? 0)) > CHANGE_THRESHOLD ||
    Math.abs((data[a + 2] ?? 0) - (data[b + 2] ?? 0)) > CHANGE_THRESHOLD
  );
}
