/** conv, pad and nearest resize (src/onnx/ops/conv.ts) through ONNX Runtime, against closed-form values and a float64 reference. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops } from "../../../src/onnx/index.js";
import { convOutDim } from "../../../src/onnx/ops/conv.js";
import { tensor } from "../../../src/tensor.js";
import { assertClose, engineForTests, f32t, outF32, randT, runOnce } from "../helpers.js";

const engine = engineForTests();

/** Direct float64 convolution of x [N, C, H, W] with w [M, C, k, k], zero pads [top, left, bottom, right]. */
function convRef(
  x: { dims: readonly number[]; data: ArrayLike<number> },
  w: { dims: readonly number[]; data: ArrayLike<number> },
  bias: ArrayLike<number> | null,
  stride: number,
  pads: readonly [number, number, number, number],
): { dims: number[]; data: Float64Array } {
  const [n, c, h, wd] = x.dims as [number, number, number, number];
  const [m, , k] = w.dims as [number, number, number, number];
  const [top, left, bottom, right] = pads;
  const oh = Math.floor((h + top + bottom - k) / stride) + 1;
  const ow = Math.floor((wd + left + right - k) / stride) + 1;
  const out = new Float64Array(n * m * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < m; o++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let s = bias ? (bias[o] as number) : 0;
          for (let ci = 0; ci < c; ci++) {
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const iy = y * stride + ky - top;
                const ix = xx * stride + kx - left;
                if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
                s += (x.data[((b * c + ci) * h + iy) * wd + ix] as number) * (w.data[((o * c + ci) * k + ky) * k + kx] as number);
              }
            }
          }
          out[((b * m + o) * oh + y) * ow + xx] = s;
        }
      }
    }
  }
  return { dims: [n, m, oh, ow], data: out };
}

describe("conv", () => {
  test("a 3x3 box filter of ones counts the in-image neighbours (padding 1, stride 1)", async () => {
    const g = new Graph("conv_box");
    const y = ops.conv(g.addInput("x", "f32", [1, 1, 4, 4]), g.constant(f32t([1, 1, 3, 3], new Array(9).fill(1))), null, {
      pads: [1, 1, 1, 1],
    });
    assert.deepEqual(y.shape, [1, 1, 4, 4]);
    g.addOutput(y, "y");
    const out = await runOnce(engine, g, { x: f32t([1, 1, 4, 4], new Array(16).fill(1)) });
    assert.deepEqual([...outF32(out, "y", [1, 1, 4, 4])], [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
  });

  test("stride 2 with the VAE's asymmetric pad (bottom and right only)", async () => {
    const g = new Graph("conv_down");
    const y = ops.conv(g.addInput("x", "f32", ["B", 1, "H", "W"]), g.constant(f32t([1, 1, 3, 3], new Array(9).fill(1))), null, {
      strides: [2, 2],
      pads: [0, 0, 1, 1],
    });
    assert.deepEqual(y.shape, ["B", 1, "H/2", "W/2"]);
    g.addOutput(y, "y");
    const out = await runOnce(engine, g, {
      x: f32t(
        [1, 1, 4, 4],
        Array.from({ length: 16 }, (_, i) => i),
      ),
    });
    // Window rows/cols {0,1,2} and {2,3,pad}: sums of x = 4r + c over each window.
    const sum = (rows: number[], cols: number[]): number => rows.reduce((s, r) => s + cols.reduce((t, c) => t + 4 * r + c, 0), 0);
    assert.deepEqual(
      [...outF32(out, "y", [1, 1, 2, 2])],
      [sum([0, 1, 2], [0, 1, 2]), sum([0, 1, 2], [2, 3]), sum([2, 3], [0, 1, 2]), sum([2, 3], [2, 3])],
    );
  });

  test("random weights and bias, several channels and batches, odd sizes, against a float64 reference", async () => {
    const x = randT([2, 3, 7, 6], 11);
    const w = randT([4, 3, 3, 3], 12);
    const b = randT([4], 13);
    const cases = [
      { name: "same", stride: 1, pads: [1, 1, 1, 1] as const },
      { name: "down", stride: 2, pads: [0, 0, 1, 1] as const },
      { name: "valid", stride: 1, pads: [0, 0, 0, 0] as const },
    ];
    const g = new Graph("conv_random");
    const xi = g.addInput("x", "f32", ["B", 3, "H", "W"]);
    for (const c of cases)
      g.addOutput(
        ops.conv(xi, g.constant(w), g.constant(b), { strides: [c.stride, c.stride], pads: [c.pads[0], c.pads[1], c.pads[2], c.pads[3]] }),
        c.name,
      );
    const out = await runOnce(engine, g, { x });
    for (const c of cases) {
      const ref = convRef(x, w, b.data, c.stride, c.pads);
      assertClose(outF32(out, c.name, ref.dims), ref.data, `conv ${c.name}`, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  test("shape rules and errors", () => {
    assert.equal(convOutDim(7, 3, 2, 1), 3);
    assert.equal(convOutDim(8, 3, 2, 1), 4);
    assert.equal(convOutDim(9, 3, 1, 2), 9);
    assert.equal(convOutDim("H", 3, 1, 2), "H");
    assert.equal(convOutDim("H", 3, 2, 1), "H/2");
    assert.equal(convOutDim("H", 3, 1, 0), "H-2");
    assert.equal(convOutDim("H", 3, 2, 2), "floor((H+1)/2)");
    const g = new Graph("conv_bad");
    const x = g.addInput("x", "f32", [1, 3, 4, 4]);
    assert.throws(() => ops.conv(x, g.constant(tensor("f32", [2, 4, 3, 3])), null), GraphBuildError);
    assert.throws(() => ops.conv(x, g.constant(tensor("f32", [2, 3, 3])), null), GraphBuildError);
    assert.throws(() => ops.conv(x, g.constant(tensor("f32", [2, 3, 3, 3])), g.constant(tensor("f32", [3]))), GraphBuildError);
  });
});

describe("pad", () => {
  test("constant pads on chosen sides, in ONNX order [begins..., ends...]", async () => {
    const g = new Graph("pad");
    const xi = g.addInput("x", "f32", [1, 1, 2, "W"]);
    const bottomRight = ops.pad(xi, [0, 0, 0, 0, 0, 0, 1, 1]);
    const topLeft = ops.pad(xi, [0, 0, 1, 2, 0, 0, 0, 0], 7);
    assert.deepEqual(bottomRight.shape, [1, 1, 3, "W+1"]);
    assert.deepEqual(topLeft.shape, [1, 1, 3, "W+2"]);
    g.addOutput(bottomRight, "br");
    g.addOutput(topLeft, "tl");
    const out = await runOnce(engine, g, { x: f32t([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]) });
    assert.deepEqual([...outF32(out, "br", [1, 1, 3, 4])], [1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    assert.deepEqual([...outF32(out, "tl", [1, 1, 3, 5])], [7, 7, 7, 7, 7, 7, 7, 1, 2, 3, 7, 7, 4, 5, 6]);
    assert.throws(() => ops.pad(xi, [0, 1]), GraphBuildError);
  });
});

describe("resizeNearest", () => {
  test("x2 repeats every pixel into a 2x2 block (torch interpolate nearest), exactly", async () => {
    const g = new Graph("resize");
    const y = ops.resizeNearest(g.addInput("x", "f32", ["B", 2, "H", "W"]), 2);
    assert.deepEqual(y.shape, ["B", 2, "2*H", "2*W"]);
    g.addOutput(y, "y");
    const x = f32t([1, 2, 2, 3], [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    const out = await runOnce(engine, g, { x });
    const want: number[] = [];
    for (let c = 0; c < 2; c++) {
      for (let r = 0; r < 4; r++) {
        for (let col = 0; col < 6; col++) want.push(x.data[c * 6 + Math.floor(r / 2) * 3 + Math.floor(col / 2)] as number);
      }
    }
    assert.deepEqual([...outF32(out, "y", [1, 2, 4, 6])], want);
    assert.throws(() => ops.resizeNearest(g.addInput("z", "f32", [1, 1, 2, 2]), 1.5), GraphBuildError);
  });
});
