/**
 * Latent and mask packing of FLUX: 2x2 patches of a latent become one token
 * ("b c (h ph) (w pw) -> b (h w) (c ph pw)"), and the fill mask is 8x8 pixel-unshuffled first.
 */
import { InvalidArgumentError } from "../errors.js";
import { tensor, shapeString, type Tensor } from "../tensor.js";

function dims4(name: string, t: Tensor): [number, number, number, number] {
  if (t.dims.length !== 4) throw new InvalidArgumentError(`${name} must be [B, C, H, W], got ${shapeString(t.dims)}`);
  return t.dims as [number, number, number, number];
}

/**
 * Where each packed value comes from in the [B, C, h, w] latent: packed[at] = latent[order[at]],
 * tokens row-major over (h/2, w/2), channel c*4 + py*2 + px.
 */
function patchOrder(b: number, c: number, h: number, w: number): Uint32Array {
  const rows = h / 2;
  const cols = w / 2;
  const order = new Uint32Array(b * c * h * w);
  let at = 0;
  for (let n = 0; n < b; n++) {
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        for (let ch = 0; ch < c; ch++) {
          const base = ((n * c + ch) * h + 2 * r) * w + 2 * q;
          order[at++] = base;
          order[at++] = base + 1;
          order[at++] = base + w;
          order[at++] = base + w + 1;
        }
      }
    }
  }
  return order;
}

/** [B, C, h, w] -> [B, (h/2)(w/2), 4C], channel = c*4 + py*2 + px. */
export function packLatents(latent: Tensor<"f32">): Tensor<"f32"> {
  const [b, c, h, w] = dims4("latent", latent);
  if (h % 2 || w % 2) throw new InvalidArgumentError(`latent height and width must be even to pack 2x2, got ${h}x${w}`);
  const order = patchOrder(b, c, h, w);
  const out = new Float32Array(latent.data.length);
  const src = latent.data;
  for (let at = 0; at < order.length; at++) out[at] = src[order[at] as number] as number;
  return tensor("f32", [b, (h / 2) * (w / 2), 4 * c], out);
}

/** [B, (h/2)(w/2), 4C] -> [B, C, h, w] for a latent of h x w (the inverse of packLatents). */
export function unpackLatents(tokens: Tensor<"f32">, h: number, w: number): Tensor<"f32"> {
  if (tokens.dims.length !== 3) throw new InvalidArgumentError(`packed latent must be [B, L, 4C], got ${shapeString(tokens.dims)}`);
  const [b, l, c4] = tokens.dims as [number, number, number];
  const rows = h / 2;
  const cols = w / 2;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== l || c4 % 4 !== 0) {
    throw new InvalidArgumentError(`packed latent ${shapeString(tokens.dims)} does not fit a ${h}x${w} latent`);
  }
  const order = patchOrder(b, c4 / 4, h, w);
  const out = new Float32Array(tokens.data.length);
  const src = tokens.data;
  for (let at = 0; at < order.length; at++) out[order[at] as number] = src[at] as number;
  return tensor("f32", [b, c4 / 4, h, w], out);
}

/** Mask [B, H, W] -> [B, 64, H/8, W/8] with channel dy*8 + dx ("b (h ph) (w pw) -> b (ph pw) h w"). */
export function unshuffleMask(mask: Tensor<"f32">): Tensor<"f32"> {
  if (mask.dims.length !== 3) throw new InvalidArgumentError(`mask must be [B, H, W], got ${shapeString(mask.dims)}`);
  const [b, height, width] = mask.dims as [number, number, number];
  if (height % 8 || width % 8) throw new InvalidArgumentError(`mask size ${width}x${height} is not a multiple of 8`);
  const h = height / 8;
  const w = width / 8;
  const out = new Float32Array(mask.data.length);
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const channel = (y % 8) * 8 + (x % 8);
        out[((n * 64 + channel) * h + Math.floor(y / 8)) * w + Math.floor(x / 8)] = mask.data[(n * height + y) * width + x] as number;
      }
    }
  }
  return tensor("f32", [b, 64, h, w], out);
}

/** Mask [B, H, W] -> [B, L, 256]: unshuffled 8x8, then packed 2x2 (channel (dy*8+dx)*4 + py*2 + px). */
export function packMask(mask: Tensor<"f32">): Tensor<"f32"> {
  return packLatents(unshuffleMask(mask));
}

/** Concatenates per-token features along the last axis: [B, L, a] + [B, L, b] -> [B, L, a+b]. */
export function concatTokens(parts: readonly Tensor<"f32">[]): Tensor<"f32"> {
  const first = parts[0];
  if (!first) throw new InvalidArgumentError("concatTokens needs at least one tensor");
  const [b, l] = first.dims as [number, number];
  const widths = parts.map((p) => {
    if (p.dims[0] !== b || p.dims[1] !== l)
      throw new InvalidArgumentError(`cannot concatenate ${shapeString(p.dims)} with ${shapeString(first.dims)}`);
    return p.dims[2] as number;
  });
  const total = widths.reduce((s, x) => s + x, 0);
  const out = new Float32Array(b * l * total);
  for (let token = 0; token < b * l; token++) {
    let at = token * total;
    parts.forEach((p, i) => {
      const wdt = widths[i] as number;
      out.set(p.data.subarray(token * wdt, (token + 1) * wdt), at);
      at += wdt;
    });
  }
  return tensor("f32", [b, l, total], out);
}

/** Concatenates token sequences: [B, L1, C] + [B, L2, C] -> [B, L1 + L2, C]. */
export function concatSequence(parts: readonly Tensor<"f32">[]): Tensor<"f32"> {
  const first = parts[0];
  if (!first) throw new InvalidArgumentError("concatSequence needs at least one tensor");
  const [b, , c] = first.dims as [number, number, number];
  for (const p of parts) {
    if (p.dims.length !== 3 || p.dims[0] !== b || p.dims[2] !== c)
      throw new InvalidArgumentError(`cannot join the tokens of ${shapeString(p.dims)} after ${shapeString(first.dims)}`);
  }
  const lengths = parts.map((p) => p.dims[1] as number);
  const total = lengths.reduce((s, l) => s + l, 0);
  const out = new Float32Array(b * total * c);
  for (let n = 0; n < b; n++) {
    let at = n * total * c;
    parts.forEach((p, i) => {
      const size = (lengths[i] as number) * c;
      out.set(p.data.subarray(n * size, (n + 1) * size), at);
      at += size;
    });
  }
  return tensor("f32", [b, total, c], out);
}

/** The first `count` tokens of each sample: [B, L, C] -> [B, count, C]. */
export function firstTokens(tokens: Tensor<"f32">, count: number): Tensor<"f32"> {
  const [b, l, c] = tokens.dims as [number, number, number];
  if (tokens.dims.length !== 3 || !Number.isInteger(count) || count < 0 || count > l)
    throw new InvalidArgumentError(`cannot take ${count} tokens of ${shapeString(tokens.dims)}`);
  if (count === l) return tokens;
  const out = new Float32Array(b * count * c);
  for (let n = 0; n < b; n++) out.set(tokens.data.subarray(n * l * c, (n * l + count) * c), n * count * c);
  return tensor("f32", [b, count, c], out);
}
