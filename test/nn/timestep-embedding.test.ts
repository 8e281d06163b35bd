/** timestepEmbedding: rows [cos(1000 t f_k) | sin(1000 t f_k)], f_k = 10000^(-k / half). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { timestepEmbedding } from "../../src/nn/timestep-embedding.js";
import { assertClose } from "../onnx/helpers.js";

describe("timestepEmbedding", () => {
  test("t = 0 gives [1... | 0...]; t = 0.25 and guidance 3.5 follow the closed form (float32 arguments)", () => {
    const dim = 16;
    const half = dim / 2;
    const values = [0, 0.25, 3.5];
    const out = timestepEmbedding(values, dim);
    assert.equal(out.length, values.length * dim);
    assert.deepEqual(Array.from(out.subarray(0, dim)), [...new Array<number>(half).fill(1), ...new Array<number>(half).fill(0)]);
    const want = values.flatMap((v) => {
      const args = Array.from({ length: half }, (_, k) => 1000 * v * Math.exp((-Math.log(10000) * k) / half));
      return [...args.map(Math.cos), ...args.map(Math.sin)];
    });
    // The arguments reach 3500 rad; float32 rounding of f_k and of each argument moves them by up to ~4e-4 rad.
    assertClose(out, want, "embedding", { rtol: 0, atol: 1e-3 });
  });

  test("a time factor of 1 embeds the raw value", () => {
    const out = timestepEmbedding([2], 4, 1);
    assertClose(out, [Math.cos(2), Math.cos(2 / 100), Math.sin(2), Math.sin(2 / 100)], "embedding", { rtol: 0, atol: 1e-6 });
  });
});
