/**
 * Reads the declared width and height straight from the first bytes of a PNG, JPEG, GIF or WebP
 * file, without sharp, so that the pixel limit is enforced before any decoder sees the data.
 * Returns undefined when the bytes are not one of these formats or too short to tell; the caller
 * then relies on sharp's header reader (which also declares the size before decoding).
 */

export interface DeclaredSize {
  readonly format: "png" | "jpeg" | "gif" | "webp";
  readonly width: number;
  readonly height: number;
}

export function declaredSize(bytes: Uint8Array): DeclaredSize | undefined {
  return pngSize(bytes) ?? jpegSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG: the 8-byte signature, then the IHDR chunk: length, "IHDR", width and height (u32 BE). */
function pngSize(b: Uint8Array): DeclaredSize | undefined {
  if (b.length < 24 || !PNG_SIGNATURE.every((v, i) => b[i] === v) || ascii(b, 12, 4) !== "IHDR") return undefined;
  return { format: "png", width: u32be(b, 16), height: u32be(b, 20) };
}

/** JPEG: walk the marker segments up to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC). */
function jpegSize(b: Uint8Array): DeclaredSize | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    } // fill byte
    i += 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // segments without a length
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan data before any frame
    if (i + 2 > b.length) return undefined;
    const length = u16be(b, i);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 7 > b.length) return undefined;
      // length(2) precision(1) height(2) width(2); a height of 0 (set later by DNL) is left to sharp
      const height = u16be(b, i + 3);
      return height === 0 ? undefined : { format: "jpeg", width: u16be(b, i + 5), height };
    }
    if (length < 2) return undefined;
    i += length;
  }
  return undefined;
}

/** GIF: "GIF87a"/"GIF89a", then the logical screen width and height (u16 LE). */
function gifSize(b: Uint8Array): DeclaredSize | undefined {
  if (b.length < 10 || (ascii(b, 0, 6) !== "GIF87a" && ascii(b, 0, 6) !== "GIF89a")) return undefined;
  return { format: "gif", width: u16le(b, 6), height: u16le(b, 8) };
}

/** WebP: "RIFF" size "WEBP", then a VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk. */
function webpSize(b: Uint8Array): DeclaredSize | undefined {
  if (b.length < 30 || ascii(b, 0, 4) !== "RIFF" || ascii(b, 8, 4) !== "WEBP") return undefined;
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 ") {
    // frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height (2 scale bits above)
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { format: "webp", width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === "VP8L") {
    // signature 0x2f, then width-1 and height-1 as 14-bit fields, least significant bit first
    if (b[20] !== 0x2f) return undefined;
    const bits = u32le(b, 21);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") {
    // flags (4 bytes), then canvas width-1 and height-1 as u24 LE
    return { format: "webp", width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  return undefined;
}

function ascii(b: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...b.subarray(at, at + length));
}
function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}
function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
function u16le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u24le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}
function u32le(b: Uint8Array, at: number): number {
  return (u24le(b, at) + b[at + 3] * 0x1000000) >>> 0;
}
