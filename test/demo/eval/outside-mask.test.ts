import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { outsideMask } from "../../../src/demo/eval/outside-mask.js";
import { ScoreInputError } from "../../../src/demo/eval/errors.js";

const N = 20;
const mask = (on: (x: number, y: number) => boolean) => ({
  dtype: "u8" as const,
  dims: [N, N],
  data: Uint8Array.from({ length: N * N }, (_, i) => (on(i % N, Math.floor(i / N)) ? 1 : 0)),
});
const row = (m: { data: Uint8Array | ArrayLike<number> }, y: number) => Array.from({ length: N }, (_, x) => m.data[y * N + x]);

describe("outsideMask", () => {
  const square = mask((x, y) => x >= 5 && x <= 14 && y >= 5 && y <= 14);
  it("drops every pixel within 2 px of a shape edge, on both sides", () => {
    const out = outsideMask({ region: mask(() => false), shapes: [square] });
    // Row 10: the edge lies between x 4|5 and 14|15; x 3..6 and 13..16 are within 2 px of it.
    assert.deepEqual(row(out, 10), [1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1]);
    assert.deepEqual(row(out, 0), Array(N).fill(1));
  });
  it("drops the region", () => {
    const out = outsideMask({ region: square, shapes: [square] });
    assert.deepEqual(row(out, 10), [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });
  it("uses a Euclidean radius: a diagonal neighbour at distance sqrt(8) does not count", () => {
    const dot = mask((x, y) => x === 10 && y === 10);
    const out = outsideMask({ region: mask(() => false), shapes: [dot] });
    assert.equal(out.data[8 * N + 8], 1); // (2, 2) away: sqrt(8) > 2
    assert.equal(out.data[9 * N + 9], 0); // (1, 1) away
    assert.equal(out.data[8 * N + 10], 0); // (0, 2) away
  });
  it("refuses masks of another size", () => {
    assert.throws(
      () => outsideMask({ region: square, shapes: [{ dtype: "u8", dims: [4, 4], data: new Uint8Array(16) }] }),
      ScoreInputError,
    );
  });
});
