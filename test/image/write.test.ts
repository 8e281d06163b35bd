import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeImage, readImage } from "../../src/image/decode.js";
import { encodeImage } from "../../src/image/encode.js";
import { ImageWriteError, UnsupportedOutputFormatError } from "../../src/image/errors.js";
import { rgbImage } from "../../src/image/rgb.js";
import { writeImage } from "../../src/image/write.js";
import { InvalidArgumentError } from "../../src/errors.js";
import type { Tensor } from "../../src/tensor.js";
import { maxAbsDiff, noise, tempDir } from "./fixtures.js";

/** A smooth 48x32 test picture (lossy codecs keep it well), with a few saturated pixels. */
function picture(): Tensor<"u8"> {
  const [w, h] = [48, 32];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([x * 5, y * 7, 128 + Math.round(60 * Math.sin((x + y) / 6))], (y * w + x) * 3);
  }
  return rgbImage(h, w, data);
}

test("PNG round trip is exact", async (t) => {
  const dir = await tempDir(t);
  const image = rgbImage(16, 24, noise(16 * 24 * 3, 3));
  const path = join(dir, "out.png");
  await writeImage(path, image);
  const back = await readImage(path);
  assert.deepEqual(back.dims, [16, 24, 3]);
  assert.deepEqual([...back.data], [...image.data]);
  assert.deepEqual(await readdir(dir), ["out.png"], "no temporary file left");
});

for (const [name, tolerance] of [
  ["out.jpg", 12],
  ["OUT.JPEG", 12],
  ["out.webp", 24],
] as const) {
  test(`${name} round trip is close`, async (t) => {
    const dir = await tempDir(t);
    const image = picture();
    const path = join(dir, name);
    await writeImage(path, image);
    const back = await readImage(path);
    assert.deepEqual(back.dims, image.dims);
    const diff = maxAbsDiff(back.data, image.data);
    assert.ok(diff <= tolerance, `max difference ${diff} > ${tolerance}`);
    assert.deepEqual(await readdir(dir), [name]);
  });
}

test("encodeImage gives the format's signature bytes and decodes back", async () => {
  const image = picture();
  const png = await encodeImage(image, "png");
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const jpeg = await encodeImage(image, "jpeg", { quality: 90 });
  assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const webp = await encodeImage(image, "webp");
  assert.equal(new TextDecoder().decode(webp.subarray(0, 4)), "RIFF");
  assert.equal(new TextDecoder().decode(webp.subarray(8, 12)), "WEBP");
  assert.deepEqual([...(await decodeImage(png)).data], [...image.data]);
});

test("an existing file is replaced whole", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "out.png");
  await writeFile(path, "old content");
  await writeImage(path, picture());
  assert.deepEqual((await readImage(path)).dims, [32, 48, 3]);
  assert.deepEqual(await readdir(dir), ["out.png"]);
});

test("an unknown extension is refused before any work, listing the supported ones", async (t) => {
  const dir = await tempDir(t);
  // The image is invalid too: the extension error comes first, so nothing was encoded.
  const bad = { dtype: "u8", dims: [2, 2], data: new Uint8Array(4) } as const;
  for (const name of ["out.bmp", "out", "out.png.txt"]) {
    await assert.rejects(writeImage(join(dir, name), bad), (error: unknown) => {
      assert.ok(error instanceof UnsupportedOutputFormatError, String(error));
      assert.ok(error.message.includes(".png, .jpg, .jpeg, .webp"), error.message);
      assert.ok(error.message.includes(name), error.message);
      return true;
    });
  }
  assert.deepEqual(await readdir(dir), []);
});

test("a bad quality or a bad image is refused as an invalid argument", async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(writeImage(join(dir, "a.jpg"), picture(), { quality: 0 }), InvalidArgumentError);
  await assert.rejects(writeImage(join(dir, "a.jpg"), picture(), { quality: 101 }), InvalidArgumentError);
  const grey = { dtype: "u8", dims: [4, 4, 1], data: new Uint8Array(16) } as const;
  await assert.rejects(writeImage(join(dir, "a.png"), grey), /dims \[H, W, 3\]/);
  assert.deepEqual(await readdir(dir), []);
});

test("writing into a missing directory fails with ImageWriteError and leaves nothing", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "missing", "out.png");
  await assert.rejects(writeImage(path, picture()), (error: unknown) => {
    assert.ok(error instanceof ImageWriteError, String(error));
    assert.equal(error.path, path);
    assert.ok(error.message.includes("does not exist"), error.message);
    return true;
  });
  assert.deepEqual(await readdir(dir), []);
});

test("a failure after the temporary file exists (rename onto a directory) removes it", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "taken.png");
  await mkdir(path);
  await writeFile(join(path, "inside.txt"), "keep me");
  await assert.rejects(writeImage(path, picture()), (error: unknown) => {
    assert.ok(error instanceof ImageWriteError, String(error));
    assert.ok(error.message.includes("is a directory"), error.message);
    return true;
  });
  assert.deepEqual(await readdir(dir), ["taken.png"], "no temporary file left beside it");
  assert.deepEqual(await readdir(path), ["inside.txt"]);
  assert.equal(await readFile(join(path, "inside.txt"), "utf8"), "keep me");
});
