/**
 * Kontext's reference placements against hand-written ids: "offset" (ComfyUI's default: index 1,
 * the references tiled right or below as one mosaic) and "index" (reference k at index k, from
 * row / col 0); one reference gives the single-image ids (1, row, col) under both.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { imageIds } from "../../src/models/flux/inputs.js";
import { referenceIds, referencePositions } from "../../src/pipelines/kontext/references.js";
import { InvalidArgumentError } from "../../src/errors.js";

/** The ids as [index, row, col] triples. */
function triples(ids: { readonly data: Float32Array; readonly dims: readonly number[] }): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.data.length; i += 3) out.push([...ids.data.subarray(i, i + 3)]);
  return out;
}

// A: 1 x 2 tokens (a 16 x 32 px image), B: 2 x 1, C: 3 x 1.
const A = { rows: 1, cols: 2 };
const B = { rows: 2, cols: 1 };
const C = { rows: 3, cols: 1 };

describe("Kontext reference placements", () => {
  test("offset: B goes below A (2 + 1 > 1 + 2 is false), so its rows start at A's height", () => {
    const ids = referenceIds(1, [A, B], "offset");
    assert.deepEqual(ids.dims, [1, 4, 3]);
    assert.deepEqual(triples(ids), [
      [1, 0, 0],
      [1, 0, 1],
      [1, 1, 0],
      [1, 2, 0],
    ]);
  });

  test("offset: C goes to the right of A (3 + 1 > 1 + 2), so its cols start at A's width", () => {
    assert.deepEqual(triples(referenceIds(1, [A, C], "offset")), [
      [1, 0, 0],
      [1, 0, 1],
      [1, 0, 2],
      [1, 1, 2],
      [1, 2, 2],
    ]);
    assert.deepEqual(referencePositions([A, B, C], "offset"), [
      { index: 1, row: 0, col: 0 },
      { index: 1, row: 1, col: 0 },
      // after A and B the mosaic is 3 rows x 2 cols: 3 + 3 > 1 + 2, so C goes right, at col 2
      { index: 1, row: 0, col: 2 },
    ]);
  });

  test("index: reference k has first-axis index k and starts at row / col 0", () => {
    assert.deepEqual(triples(referenceIds(1, [A, B], "index")), [
      [1, 0, 0],
      [1, 0, 1],
      [2, 0, 0],
      [2, 1, 0],
    ]);
  });

  test("one reference: (1, row, col) under both placements, repeated per batch element", () => {
    const one = { rows: 2, cols: 3 };
    for (const placement of ["offset", "index"] as const) {
      const ids = referenceIds(2, [one], placement);
      assert.deepEqual(ids.dims, [2, 6, 3]);
      assert.deepEqual([...ids.data], [...imageIds(2, 2, 3, 1).data]);
    }
    assert.deepEqual(triples(referenceIds(1, [one], "offset")).slice(0, 4), [
      [1, 0, 0],
      [1, 0, 1],
      [1, 0, 2],
      [1, 1, 0],
    ]);
  });

  test("an unknown placement or no reference is refused", () => {
    assert.throws(() => referenceIds(1, [A], "tiled" as "offset"), InvalidArgumentError);
    assert.throws(() => referenceIds(1, [], "offset"), InvalidArgumentError);
  });
});
