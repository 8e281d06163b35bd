import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IceditError, InvalidArgumentError } from "../../src/errors.js";
import { decodeImage, readImage } from "../../src/image/decode.js";
import {
  CorruptImageError,
  EmptyImageError,
  ImageFileTooLargeError,
  ImageNotFoundError,
  ImageReadError,
  ImageUnreadableError,
  TooManyPixelsError,
  UnsupportedImageFormatError,
} from "../../src/image/errors.js";
import { probeImage } from "../../src/image/probe.js";
import { fromRaw, noise, pngHeaderOnly, tempDir } from "./fixtures.js";

/** Asserts that `run` rejects with an error of class `type` whose message contains every `parts`. */
async function rejectsWith(
  run: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  ...parts: string[]
): Promise<Error> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof type,
    `expected ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  assert.ok(caught instanceof IceditError, "derives from IceditError");
  for (const part of parts) assert.ok(caught.message.includes(part), `message "${caught.message}" should contain "${part}"`);
  return caught;
}

test("a missing file is refused with ImageNotFoundError naming it", async (t) => {
  const path = join(await tempDir(t), "nope.png");
  const error = await rejectsWith(() => readImage(path), ImageNotFoundError, path, "no such file");
  assert.ok(error instanceof ImageReadError && error.source === path);
  await rejectsWith(() => readImage(join(path, "below.png")), ImageNotFoundError, "no such file");
});

test("a path under a regular file is refused as not found", async (t) => {
  const file = join(await tempDir(t), "file.png");
  await writeFile(file, "x");
  await rejectsWith(() => readImage(join(file, "inner.png")), ImageNotFoundError, "not a directory");
});

test("a directory is refused with ImageUnreadableError", async (t) => {
  const dir = await tempDir(t);
  await rejectsWith(() => readImage(dir), ImageUnreadableError, dir, "is a directory");
});

test("an unreadable file (chmod 000) is refused with ImageUnreadableError (skipped when run as root, where chmod 000 files stay readable)", {
  skip: process.getuid?.() === 0 ? "running as root: chmod 000 does not stop root from reading" : false,
}, async (t) => {
  const path = join(await tempDir(t), "secret.png");
  await writeFile(path, await fromRaw(new Uint8Array(12), 2, 2, 3).png().toBuffer());
  await chmod(path, 0o000);
  await rejectsWith(() => readImage(path), ImageUnreadableError, path, "permission denied");
});

test("a 0-byte file and empty bytes are refused as empty", async (t) => {
  const path = join(await tempDir(t), "empty.jpg");
  await writeFile(path, new Uint8Array(0));
  await rejectsWith(() => readImage(path), EmptyImageError, path, "is empty");
  await rejectsWith(() => decodeImage(new Uint8Array(0), { name: "upload.jpg" }), EmptyImageError, "upload.jpg", "is empty");
  await rejectsWith(() => probeImage(path), EmptyImageError, "is empty");
});

test("a text file is refused as not an image, listing the supported formats", async (t) => {
  const path = join(await tempDir(t), "notes.png");
  await writeFile(path, "these are not pixels\n".repeat(20));
  await rejectsWith(() => readImage(path), UnsupportedImageFormatError, path, "not an image", "PNG", "JPEG", "WebP");
  await rejectsWith(() => probeImage(path), UnsupportedImageFormatError, path);
});

test("an SVG is refused on purpose (its size is not declared in a header)", async () => {
  const svg = new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  await rejectsWith(() => decodeImage(svg, { name: "drawing.svg" }), UnsupportedImageFormatError, "drawing.svg", "SVG", "not supported");
});

test("a truncated PNG is refused as corrupt", async (t) => {
  const png = await fromRaw(noise(64 * 64 * 3), 64, 64, 3)
    .png()
    .toBuffer();
  const path = join(await tempDir(t), "cut.png");
  await writeFile(path, png.subarray(0, Math.floor(png.length / 2)));
  await rejectsWith(() => readImage(path), CorruptImageError, path, "truncated or corrupt");
  // cut inside the header
  await rejectsWith(() => decodeImage(png.subarray(0, 20)), CorruptImageError, "image data");
});

test("a truncated JPEG is refused as corrupt", async () => {
  const jpeg = await fromRaw(noise(64 * 64 * 3), 64, 64, 3)
    .jpeg()
    .toBuffer();
  await rejectsWith(() => decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { name: "cut.jpg" }), CorruptImageError, "cut.jpg");
});

test("a PNG whose header claims 30000x30000 is refused from the header, fast, naming both numbers", async (t) => {
  const path = join(await tempDir(t), "huge.png");
  const bytes = pngHeaderOnly(30000, 30000);
  assert.ok(bytes.length < 100, `${bytes.length} bytes claim 900 megapixels`);
  await writeFile(path, bytes);
  const start = performance.now();
  const error = await rejectsWith(() => readImage(path), TooManyPixelsError, path, "30000x30000", "900000000", "40000000", "maxPixels");
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 500, `refused in ${elapsed.toFixed(1)} ms`);
  assert.ok(error instanceof TooManyPixelsError);
  assert.deepEqual([error.width, error.height, error.maxPixels], [30000, 30000, 40_000_000]);

  // With a little real IDAT (4 rows of the 30000) the answer is the same.
  await rejectsWith(() => decodeImage(pngHeaderOnly(30000, 30000, 4)), TooManyPixelsError, "30000x30000");
  // The limit is what refused it: raised, the same bytes get as far as the decoder, which finds no pixel data.
  await rejectsWith(() => decodeImage(bytes, { maxPixels: 1_000_000_000 }), CorruptImageError);
});

test("the pixel limit is inclusive and configurable", async () => {
  const png = await fromRaw(new Uint8Array(100 * 50 * 3), 100, 50, 3)
    .png()
    .toBuffer();
  assert.deepEqual((await decodeImage(png, { maxPixels: 5000 })).dims, [50, 100, 3]);
  await rejectsWith(() => decodeImage(png, { maxPixels: 4999 }), TooManyPixelsError, "100x50", "4999");
  // JPEG and WebP headers are checked the same way before decoding.
  const jpeg = await fromRaw(new Uint8Array(100 * 50 * 3), 100, 50, 3)
    .jpeg()
    .toBuffer();
  await rejectsWith(() => decodeImage(jpeg, { maxPixels: 4999 }), TooManyPixelsError, "100x50");
  const webp = await fromRaw(new Uint8Array(100 * 50 * 3), 100, 50, 3)
    .webp()
    .toBuffer();
  await rejectsWith(() => decodeImage(webp, { maxPixels: 4999 }), TooManyPixelsError, "100x50");
});

test("a file over maxFileBytes is refused before it is read", async (t) => {
  const path = join(await tempDir(t), "big.png");
  const png = await fromRaw(noise(32 * 32 * 3), 32, 32, 3)
    .png()
    .toBuffer();
  await writeFile(path, png);
  await rejectsWith(() => readImage(path, { maxFileBytes: 100 }), ImageFileTooLargeError, path, `${png.length} bytes`, "maxFileBytes");
  assert.deepEqual((await readImage(path, { maxFileBytes: png.length })).dims, [32, 32, 3]);
});

test("nonsensical limits are refused as invalid arguments", async () => {
  const png = await fromRaw(new Uint8Array(12), 2, 2, 3).png().toBuffer();
  await rejectsWith(() => decodeImage(png, { maxPixels: 0 }), InvalidArgumentError, "maxPixels");
  await rejectsWith(() => decodeImage(png, { maxFileBytes: 1.5 }), InvalidArgumentError, "maxFileBytes");
});

test("a FIFO is refused without blocking", { skip: process.platform === "win32" }, async (t) => {
  const dir = await tempDir(t);
  const { execFileSync } = await import("node:child_process");
  const path = join(dir, "pipe.png");
  execFileSync("mkfifo", [path]);
  await rejectsWith(() => readImage(path), ImageUnreadableError, "not a regular file");
});
