/**
 * The rule's outside mask (issue 15, item 5): the pixels outside the edited region that lie more
 * than `margin` pixels (2 by default) from every shape edge, so anti-aliased edges never count.
 * A pixel is near an edge of a shape when some pixel within Euclidean distance `margin` of it is
 * on the other side of that shape's mask (inside vs outside).
 */
import type { Mask } from "../../image/index.js";
import { ScoreInputError } from "./errors.js";

export const EDGE_MARGIN = 2;

export interface OutsideMaskInputs {
  /** [H, W] u8, nonzero: the edited region. */
  readonly region: Mask;
  /** [H, W] u8 each, nonzero inside: every shape of the source and of the target. */
  readonly shapes: readonly Mask[];
  readonly margin?: number;
}

/** region, shapes: [H, W] -> [H, W] u8, 1 where a pixel is kept by the rule. */
export function outsideMask({ region, shapes, margin = EDGE_MARGIN }: OutsideMaskInputs): Mask {
  const [height, width] = maskSize(region, "region");
  if (!Number.isInteger(margin) || margin < 0) throw new ScoreInputError(`the edge margin must be a whole number >= 0, got ${margin}`);
  const out = new Uint8Array(height * width);
  for (let i = 0; i < out.length; i++) out[i] = region.data[i] ? 0 : 1;
  const offsets = diskOffsets(margin);
  for (const [index, shape] of shapes.entries()) {
    const [h, w] = maskSize(shape, `shape mask ${index}`);
    if (h !== height || w !== width)
      throw new ScoreInputError(`shape mask ${index} is [${h}, ${w}], the region [${height}, ${width}]: draw masks at one size`);
    markNearEdges(shape.data, height, width, offsets, out);
  }
  return { dtype: "u8", dims: [height, width], data: out };
}

function markNearEdges(
  mask: Uint8Array | ArrayLike<number>,
  height: number,
  width: number,
  offsets: readonly (readonly [number, number])[],
  out: Uint8Array,
): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!out[i]) continue;
      const side = mask[i] ? 1 : 0;
      for (const [dy, dx] of offsets) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
        if ((mask[yy * width + xx] ? 1 : 0) !== side) {
          out[i] = 0;
          break;
        }
      }
    }
  }
}

/** The [dy, dx] offsets of the pixels within Euclidean distance `radius` of a pixel, itself excluded. */
export function diskOffsets(radius: number): [number, number][] {
  const offsets: [number, number][] = [];
  for (let dy = -radius; dy <= radius; dy++)
    for (let dx = -radius; dx <= radius; dx++) if ((dy !== 0 || dx !== 0) && dy * dy + dx * dx <= radius * radius) offsets.push([dy, dx]);
  return offsets;
}

function maskSize(mask: Mask, what: string): [number, number] {
  if (mask.dtype !== "u8" || mask.dims.length !== 2 || mask.data.length !== (mask.dims[0] ?? 0) * (mask.dims[1] ?? 0))
    throw new ScoreInputError(`the ${what} must be a u8 tensor of dims [H, W], got ${mask.dtype} [${mask.dims.join(", ")}]`);
  return [mask.dims[0] ?? 0, mask.dims[1] ?? 0];
}
