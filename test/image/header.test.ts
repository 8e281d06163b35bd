import { test } from "node:test";
import assert from "node:assert/strict";
import { declaredSize } from "../../src/image/header.js";
import { fromRaw, noise, pngHeaderOnly } from "./fixtures.js";

test("declaredSize reads width and height from PNG, JPEG, GIF and the three WebP chunk kinds", async () => {
  const [w, h] = [37, 21];
  const rgb = () => fromRaw(noise(w * h * 3), w, h, 3);
  const rgba = () => fromRaw(noise(w * h * 4), w, h, 4);
  const cases: Array<[string, Uint8Array, string]> = [
    ["png", await rgb().png().toBuffer(), "png"],
    ["jpeg", await rgb().jpeg().toBuffer(), "jpeg"],
    ["progressive jpeg", await rgb().jpeg({ progressive: true }).toBuffer(), "jpeg"],
    ["jpeg with EXIF", await rgb().jpeg().withMetadata({ orientation: 6 }).toBuffer(), "jpeg"],
    ["gif", await rgb().gif().toBuffer(), "gif"],
    ["lossy webp (VP8)", await rgb().webp().toBuffer(), "webp"],
    ["lossless webp (VP8L)", await rgb().webp({ lossless: true }).toBuffer(), "webp"],
    ["webp with alpha (VP8X)", await rgba().webp().toBuffer(), "webp"],
  ];
  for (const [name, bytes, format] of cases) assert.deepEqual(declaredSize(bytes), { format, width: w, height: h }, name);
});

test("declaredSize reads a hand-made PNG header and ignores what it does not know", () => {
  assert.deepEqual(declaredSize(pngHeaderOnly(30000, 30000)), { format: "png", width: 30000, height: 30000 });
  assert.deepEqual(declaredSize(pngHeaderOnly(4294967295, 1)), { format: "png", width: 4294967295, height: 1 });
  assert.equal(declaredSize(new TextEncoder().encode("plain text, long enough to look at")), undefined);
  assert.equal(declaredSize(pngHeaderOnly(10, 10).subarray(0, 20)), undefined);
  assert.equal(declaredSize(Uint8Array.from([0xff, 0xd8, 0xff])), undefined);
});
