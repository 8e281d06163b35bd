/**
 * PIL's bicubic resize of an 8-bit RGB image, exactly as Pillow computes it (Image.resize with
 * BICUBIC; libImaging/Resample.c), so that metrics on resized images match the Python references:
 *   - the cubic convolution kernel with a = -0.5, support 2, widened by the scale when shrinking
 *     (antialiasing), centred at (x + 0.5) * scale;
 *   - per output pixel, weights normalized to sum 1, then turned into 22-bit fixed point;
 *   - the horizontal pass first, rounded and clamped to 8 bits, then the vertical pass.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { checkRgbImage, rgbImage, type RgbImage } from "./rgb.js";

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

/** Keys' cubic convolution kernel with a = -0.5 (PIL's bicubic_filter). */
export function pilBicubicKernel(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** The fixed-point taps of a 1-D resize: output i reads `count[i]` inputs from `first[i]` with `weights[i * size ..]`. */
export interface ResampleTaps {
  readonly size: number;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc for inSize -> outSize over the whole axis. */
export function pilBicubicTaps(inSize: number, outSize: number): ResampleTaps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * size);
  const k = new Float64Array(size);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = pilBicubicKernel((x + xmin - center + 0.5) * ss);
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? (k[x] as number) / sum : (k[x] as number);
      weights[o * size + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[o] = xmin;
    count[o] = xmax;
  }
  return { size, first, count, weights };
}

/** PIL's clip8: a fixed-point sum back to 0..255. */
function clip8(sum: number): number {
  if (sum <= 0) return 0;
  if (sum >= 256 * ONE) return 255;
  return Math.floor(sum / ONE);
}

/** One pass along an axis of an interleaved 3-channel image: `lines` lines of `inLen` pixels, stride `step` pixels along the axis. */
function resamplePass(
  src: Uint8Array,
  dst: Uint8Array,
  taps: ResampleTaps,
  lines: number,
  along: { inStride: number; outStride: number; lineIn: number; lineOut: number },
): void {
  const outLen = taps.first.length;
  for (let line = 0; line < lines; line++) {
    for (let o = 0; o < outLen; o++) {
      const base = o * taps.size;
      const x0 = taps.first[o] as number;
      const n = taps.count[o] as number;
      for (let c = 0; c < 3; c++) {
        let sum = HALF;
        for (let x = 0; x < n; x++)
          sum += (src[line * along.lineIn + (x0 + x) * along.inStride + c] as number) * (taps.weights[base + x] as number);
        dst[line * along.lineOut + o * along.outStride + c] = clip8(sum);
      }
    }
  }
}

/** image: [H, W, 3] u8 -> [height, width, 3] u8, as PIL's `image.resize((width, height), Image.BICUBIC)`. */
export function pilResizeBicubic(image: Tensor<"u8">, width: number, height: number): RgbImage {
  const src = checkRgbImage(image);
  for (const [name, value] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`resize ${name} must be a positive integer, got ${value}`);
  }
  let data = src.data;
  let w = src.width;
  if (width !== w) {
    const out = new Uint8Array(src.height * width * 3);
    const along = { inStride: 3, outStride: 3, lineIn: w * 3, lineOut: width * 3 };
    resamplePass(data, out, pilBicubicTaps(w, width), src.height, along);
    data = out;
    w = width;
  }
  if (height !== src.height) {
    const out = new Uint8Array(height * w * 3);
    // Columns as lines: a pixel step of one row; each column starts 3 bytes after the previous.
    const along = { inStride: w * 3, outStride: w * 3, lineIn: 3, lineOut: 3 };
    resamplePass(data, out, pilBicubicTaps(src.height, height), w, along);
    data = out;
  }
  return rgbImage(height, width, data === src.data ? new Uint8Array(data) : data);
}
