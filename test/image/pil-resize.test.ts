/** PIL's bicubic resize against closed forms: the kernel, constant and linear images, identity sizes. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pilBicubicKernel, pilBicubicTaps, pilResizeBicubic } from "../../src/image/pil-resize.js";
import { rgbImage } from "../../src/image/rgb.js";
import { InvalidArgumentError } from "../../src/errors.js";

/** An image whose every channel at (y, x) is f(y, x). */
function imageOf(height: number, width: number, f: (y: number, x: number) => number) {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(f(y, x), (y * width + x) * 3, (y * width + x + 1) * 3);
  return rgbImage(height, width, data);
}

const at = (image: { data: Uint8Array; dims: readonly number[] }, y: number, x: number, c = 0): number =>
  image.data[(y * (image.dims[1] as number) + x) * 3 + c] as number;

describe("PIL bicubic", () => {
  test("the kernel is Keys' cubic with a = -0.5", () => {
    assert.equal(pilBicubicKernel(0), 1);
    assert.ok(pilBicubicKernel(1) === 0 && pilBicubicKernel(2) === 0);
    assert.equal(pilBicubicKernel(0.5), 0.5625);
    assert.equal(pilBicubicKernel(-0.5), 0.5625);
    assert.equal(pilBicubicKernel(1.5), -0.0625);
    assert.equal(pilBicubicKernel(2.5), 0);
  });

  test("taps: 22-bit weights summing to one, the support widened by the shrink factor", () => {
    const up = pilBicubicTaps(10, 20);
    assert.equal(up.size, 5);
    const down = pilBicubicTaps(40, 10);
    assert.equal(down.size, Math.ceil(2 * 4) * 2 + 1);
    for (const taps of [up, down]) {
      for (let o = 0; o < taps.first.length; o++) {
        let sum = 0;
        for (let x = 0; x < (taps.count[o] as number); x++) sum += taps.weights[o * taps.size + x] as number;
        assert.ok(Math.abs(sum - 2 ** 22) <= taps.size, `output ${o}: weights sum to ${sum}`);
      }
    }
  });

  test("a constant image stays constant at any size", () => {
    for (const v of [0, 1, 77, 254, 255]) {
      const out = pilResizeBicubic(
        imageOf(13, 17, () => v),
        29,
        6,
      );
      assert.deepEqual(out.dims, [6, 29, 3]);
      assert.ok(
        out.data.every((p) => p === v),
        `value ${v}`,
      );
    }
  });

  test("the same size gives the same pixels", () => {
    const image = imageOf(5, 7, (y, x) => (y * 37 + x * 11) % 256);
    assert.deepEqual(pilResizeBicubic(image, 7, 5).data, image.data);
  });

  test("a linear ramp is reproduced away from the edges (cubic convolution is exact on linear data)", () => {
    const ramp = imageOf(4, 16, (_y, x) => 10 * x + 20);
    const up = pilResizeBicubic(ramp, 32, 4);
    // output o samples input position (o + 0.5) / 2 - 0.5; its taps lie inside for 4 <= o < 28
    for (let o = 4; o < 28; o++) assert.ok(Math.abs(at(up, 1, o) - (10 * ((o + 0.5) / 2 - 0.5) + 20)) <= 0.5 + 1e-9, `up ${o}`);
    const down = pilResizeBicubic(
      imageOf(3, 32, (_y, x) => 6 * x + 30),
      8,
      3,
    );
    // shrinking 4x: output o centres at input 4o + 1.5 with taps 8 pixels either side
    for (let o = 2; o < 6; o++) assert.ok(Math.abs(at(down, 2, o) - (6 * (4 * o + 1.5) + 30)) <= 0.5 + 1e-9, `down ${o}`);
  });

  test("rows and columns are resized alike; both axes differ from the transpose only by the 8-bit rounding between passes", () => {
    const f = (y: number, x: number): number => (y * 53 + x * x * 7) % 256;
    const wide = pilResizeBicubic(imageOf(9, 6, f), 4, 9);
    const tall = pilResizeBicubic(
      imageOf(6, 9, (y, x) => f(x, y)),
      9,
      4,
    );
    for (let y = 0; y < 9; y++) for (let x = 0; x < 4; x++) assert.equal(at(wide, y, x), at(tall, x, y));
    const a = pilResizeBicubic(imageOf(9, 6, f), 4, 14);
    const b = pilResizeBicubic(
      imageOf(6, 9, (y, x) => f(x, y)),
      14,
      4,
    );
    for (let y = 0; y < 14; y++) for (let x = 0; x < 4; x++) assert.ok(Math.abs(at(a, y, x) - at(b, x, y)) <= 1);
  });

  test("bad sizes are refused", () => {
    assert.throws(
      () =>
        pilResizeBicubic(
          imageOf(2, 2, () => 0),
          0,
          2,
        ),
      InvalidArgumentError,
    );
    assert.throws(
      () =>
        pilResizeBicubic(
          imageOf(2, 2, () => 0),
          2,
          1.5,
        ),
      InvalidArgumentError,
    );
  });
});
