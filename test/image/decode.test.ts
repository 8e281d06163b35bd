import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { decodeImage, readImage } from "../../src/image/decode.js";
import { probeImage } from "../../src/image/probe.js";
import { fromRaw, maxAbsDiff, noise, pixel, tempDir } from "./fixtures.js";

test("an RGB PNG decodes to its exact pixels, from a file and from memory", async (t) => {
  const dir = await tempDir(t);
  const data = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const png = await fromRaw(data, 3, 2, 3).png().toBuffer();
  const path = join(dir, "rgb.png");
  await writeFile(path, png);
  for (const image of [await readImage(path), await decodeImage(png)]) {
    assert.equal(image.dtype, "u8");
    assert.deepEqual(image.dims, [2, 3, 3]);
    assert.deepEqual([...image.data], [...data]);
  }
});

test("a PNG with alpha is flattened onto white", async () => {
  // (r, g, b, a): transparent, half-transparent green, opaque blue, transparent dark
  const rgba = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 0]);
  const image = await decodeImage(await fromRaw(rgba, 2, 2, 4).png().toBuffer());
  assert.deepEqual(image.dims, [2, 2, 3]);
  // Compositing over white: c * a/255 + 255 * (1 - a/255).
  const over = (c: number, a: number): number => (c * a + 255 * (255 - a)) / 255;
  for (let p = 0; p < 4; p++) {
    for (let c = 0; c < 3; c++) {
      const want = over(rgba[4 * p + c]!, rgba[4 * p + 3]!);
      assert.ok(Math.abs(image.data[3 * p + c]! - want) <= 1, `pixel ${p} channel ${c}: got ${image.data[3 * p + c]}, want ${want}`);
    }
  }
  assert.deepEqual(pixel(image, 0, 0), [255, 255, 255]);
  assert.deepEqual(pixel(image, 1, 1), [255, 255, 255]);
  assert.deepEqual(pixel(image, 0, 1), [0, 0, 255]);
});

test("a grayscale PNG becomes RGB with equal channels", async () => {
  const grey = Uint8Array.from([0, 50, 100, 150, 200, 255]);
  const png = await fromRaw(grey, 3, 2, 1).toColourspace("b-w").png().toBuffer(); // sharp writes RGB unless told
  assert.equal((await sharp(png).metadata()).channels, 1, "fixture is single-channel");
  const image = await decodeImage(png);
  assert.deepEqual(image.dims, [2, 3, 3]);
  assert.deepEqual(
    [...image.data],
    [...grey].flatMap((v) => [v, v, v]),
  );
});

test("a 16-bit PNG is reduced to 8 bits (257 * k -> k)", async () => {
  const k = [0, 255, 128, 1, 2, 3, 200, 100, 50, 7, 8, 9];
  const png = await fromRaw(
    Uint16Array.from(k, (v) => v * 257),
    2,
    2,
    3,
  )
    .toColourspace("rgb16")
    .png()
    .toBuffer();
  const meta = await sharp(png).metadata();
  assert.equal(meta.depth, "ushort", "fixture is 16-bit");
  assert.equal(meta.bitsPerSample, 16);
  const image = await decodeImage(png);
  assert.deepEqual(image.dims, [2, 2, 3]);
  assert.deepEqual([...image.data], k);
});

test("a 16-bit grey PNG with alpha becomes 8-bit RGB on white", async () => {
  // (grey, alpha): opaque black, transparent, opaque 257*100
  const png = await fromRaw(Uint16Array.from([0, 65535, 0, 0, 25700, 65535, 65535, 65535]), 2, 2, 2)
    .toColourspace("grey16")
    .png()
    .toBuffer();
  const image = await decodeImage(png);
  assert.deepEqual([...image.data], [0, 0, 0, 255, 255, 255, 100, 100, 100, 255, 255, 255]);
});

test("a palette PNG becomes RGB with the palette's colours", async () => {
  const colours = [
    [200, 30, 40],
    [10, 220, 90],
    [0, 0, 0],
    [255, 255, 255],
  ];
  const data = Uint8Array.from([0, 1, 2, 3, 3, 2, 1, 0].flatMap((i) => colours[i]!));
  const png = await fromRaw(data, 4, 2, 3).png({ palette: true, colours: 4, dither: 0, quality: 100 }).toBuffer();
  const meta = await sharp(png).metadata();
  assert.equal(meta.isPalette, true, "fixture is a palette PNG");
  const image = await decodeImage(png);
  assert.deepEqual(image.dims, [2, 4, 3]);
  assert.deepEqual([...image.data], [...data]);
});

test("a JPEG with EXIF orientation 6 comes out rotated 90 degrees clockwise", async () => {
  // Stored 32 wide x 16 high, grey, with a red 8x8 block in the top-left corner.
  const [w, h] = [32, 16];
  const data = new Uint8Array(w * h * 3).fill(128);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data.set([255, 0, 0], (y * w + x) * 3);
  const jpeg = await fromRaw(data, w, h, 3).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const info = await probeImage(jpeg);
  assert.deepEqual(info, { format: "jpeg", width: 32, height: 16, channels: 3, hasAlpha: false, orientation: 6 });

  const image = await decodeImage(jpeg);
  assert.deepEqual(image.dims, [32, 16, 3], "displayed 16 wide x 32 high");
  // Orientation 6 displays stored (x, y) at (h - 1 - y, x): the stored top-left goes to the top-right.
  const isRed = ([r, g, b]: number[]): boolean => r > 200 && g < 60 && b < 60;
  const isGrey = ([r, g, b]: number[]): boolean => [r, g, b].every((v) => Math.abs(v - 128) < 12);
  assert.ok(isRed(pixel(image, 12, 3)), `top-right is red: ${pixel(image, 12, 3)}`);
  assert.ok(isGrey(pixel(image, 3, 3)), `top-left is grey: ${pixel(image, 3, 3)}`);
  assert.ok(isGrey(pixel(image, 12, 28)), `bottom-right is grey: ${pixel(image, 12, 28)}`);
  assert.ok(isGrey(pixel(image, 3, 28)), `bottom-left is grey: ${pixel(image, 3, 28)}`);
});

test("WebP decodes: lossless exactly, lossy approximately", async () => {
  const data = noise(16 * 8 * 3, 7);
  const lossless = await decodeImage(await fromRaw(data, 16, 8, 3).webp({ lossless: true }).toBuffer());
  assert.deepEqual(lossless.dims, [8, 16, 3]);
  assert.deepEqual([...lossless.data], [...data]);

  const smooth = new Uint8Array(64 * 32 * 3).map((_, i) => (i % 3 === 0 ? ((i / 3) % 64) * 4 : 100));
  const lossy = await decodeImage(await fromRaw(smooth, 64, 32, 3).webp({ quality: 95 }).toBuffer());
  assert.deepEqual(lossy.dims, [32, 64, 3]);
  assert.ok(maxAbsDiff(lossy.data, smooth) <= 24, `max difference ${maxAbsDiff(lossy.data, smooth)}`);
});

test("a GIF decodes to RGB", async () => {
  const data = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 255, 0, 255, 255, 255]);
  const image = await decodeImage(await fromRaw(data, 2, 2, 3).gif().toBuffer());
  assert.deepEqual(image.dims, [2, 2, 3]);
  assert.deepEqual([...image.data], [...data]);
});

test("probeImage reads the header of a file or of bytes", async (t) => {
  const dir = await tempDir(t);
  const png = await fromRaw(new Uint8Array(5 * 3 * 4), 5, 3, 4)
    .png()
    .toBuffer();
  const path = join(dir, "a.png");
  await writeFile(path, png);
  const want = { format: "png", width: 5, height: 3, channels: 4, hasAlpha: true, orientation: 1 };
  assert.deepEqual(await probeImage(path), want);
  assert.deepEqual(await probeImage(png), want);
});
