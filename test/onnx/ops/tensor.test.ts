/** Data-movement op helpers (reshape, transpose, concat, split, slice, ...) run through ONNX Runtime. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, ops, type Value } from "../../../src/onnx/index.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { engineForTests, f32t, i64t, outF32, randT, runOnce, strides } from "../helpers.js";

const engine = engineForTests();

/** 0, 1, 2, ... as f32: every element tells where it came from. */
const iota = (dims: readonly number[]): Tensor<"f32"> =>
  f32t(
    dims,
    Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

/** Element [i0, i1, ...] of a row-major array. */
function at(data: ArrayLike<number>, dims: readonly number[], index: readonly number[]): number {
  const s = strides(dims);
  return data[index.reduce((acc, i, k) => acc + i * (s[k] as number), 0)] as number;
}

/** Every multi-index of `dims` in row-major order. */
function* indices(dims: readonly number[]): Generator<number[]> {
  const n = dims.reduce((a, b) => a * b, 1);
  const s = strides(dims);
  for (let flat = 0; flat < n; flat++) yield dims.map((d, k) => Math.floor(flat / (s[k] as number)) % d);
}

describe("reshape", () => {
  test("0 copies the input dim and -1 is inferred; data order is unchanged", async () => {
    const x = iota([2, 3, 4]);
    const g = new Graph("reshape");
    const xi = g.addInput("x", "f32", [2, 3, 4]);
    const a = ops.reshape(xi, [0, -1]);
    const b = ops.reshape(xi, [-1, 2, 0]);
    assert.deepEqual(a.shape, [2, 12]);
    assert.deepEqual(b.shape, [3, 2, 4]);
    g.addOutput(a, "a");
    g.addOutput(b, "b");
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(Array.from(outF32(out, "a", [2, 12])), Array.from(x.data));
    assert.deepEqual(Array.from(outF32(out, "b", [3, 2, 4])), Array.from(x.data));
  });

  test("symbolic dims: [B, L, 4] to [0, -1] gives [B, <L*4>], to [-1, 4] gives [<B*L>, 4]", async () => {
    const g = new Graph("reshape_sym");
    const xi = g.addInput("x", "f32", ["B", "L", 4]);
    const a = ops.reshape(xi, [0, -1]);
    const b = ops.reshape(xi, [-1, 4]);
    // The symbolic names are the builder's own (e.g. "4*L"); what matters is rank, the kept
    // symbol and the known size, and that ONNX Runtime accepts them.
    assert.equal(a.shape.length, 2);
    assert.equal(a.shape[0], "B");
    assert.equal(typeof a.shape[1], "string");
    assert.equal(b.shape.length, 2);
    assert.equal(typeof b.shape[0], "string");
    assert.equal(b.shape[1], 4);
    g.addOutput(a, "a");
    g.addOutput(b, "b");
    const x = iota([2, 3, 4]);
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(Array.from(outF32(out, "a", [2, 12])), Array.from(x.data));
    assert.deepEqual(Array.from(outF32(out, "b", [6, 4])), Array.from(x.data));
  });

  test("a static size mismatch is a build-time error", () => {
    const g = new Graph("reshape_bad");
    const xi = g.addInput("x", "f32", [2, 3, 4]);
    assert.throws(() => ops.reshape(xi, [5, -1]), GraphBuildError);
    assert.throws(() => ops.reshape(xi, [2, 13]), GraphBuildError);
  });
});

describe("transpose, concat, split", () => {
  test("transpose [2, 3, 4] by perm [2, 0, 1]", async () => {
    const x = iota([2, 3, 4]);
    const g = new Graph("transpose");
    const y = ops.transpose(g.addInput("x", "f32", [2, 3, 4]), [2, 0, 1]);
    assert.deepEqual(y.shape, [4, 2, 3]);
    g.addOutput(y, "y");
    const got = outF32(await runOnce(engine, g, { x }), "y", [4, 2, 3]);
    for (const [k, i, j] of indices([4, 2, 3]) as Iterable<[number, number, number]>) {
      assert.equal(at(got, [4, 2, 3], [k, i, j]), at(x.data, [2, 3, 4], [i, j, k]));
    }
    assert.throws(() => ops.transpose(g.addInput("z", "f32", [2, 3]), [0, 1, 2]), GraphBuildError);
  });

  test("concat along axis 1 (and symbolic lengths add up)", async () => {
    const p = randT([2, 1, 3], 11);
    const q = randT([2, 2, 3], 12);
    const g = new Graph("concat");
    const y = ops.concat([g.addInput("p", "f32", [2, 1, 3]), g.addInput("q", "f32", [2, 2, 3])], -2);
    assert.deepEqual(y.shape, [2, 3, 3]);
    g.addOutput(y, "y");
    const got = outF32(await runOnce(engine, g, { p, q }), "y", [2, 3, 3]);
    for (const [b, l, d] of indices([2, 3, 3]) as Iterable<[number, number, number]>) {
      const want = l < 1 ? at(p.data, [2, 1, 3], [b, l, d]) : at(q.data, [2, 2, 3], [b, l - 1, d]);
      assert.equal(at(got, [2, 3, 3], [b, l, d]), want);
    }
    const s = new Graph("concat_sym");
    const c = ops.concat([s.addInput("a", "f32", ["B", "T", 8]), s.addInput("b", "f32", ["B", "L", 8])], 1);
    assert.deepEqual(c.shape, ["B", "T+L", 8]);
  });

  test("split [2, 5] into sizes [2, 3] along the last axis", async () => {
    const x = iota([2, 5]);
    const g = new Graph("split");
    const parts = ops.split(g.addInput("x", "f32", [2, 5]), [2, 3], -1);
    assert.deepEqual(
      parts.map((p) => p.shape),
      [
        [2, 2],
        [2, 3],
      ],
    );
    g.addOutput(parts[0]!, "a");
    g.addOutput(parts[1]!, "b");
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(Array.from(outF32(out, "a", [2, 2])), [0, 1, 5, 6]);
    assert.deepEqual(Array.from(outF32(out, "b", [2, 3])), [2, 3, 4, 7, 8, 9]);
  });

  test("split sizes that do not sum to the axis are a build-time error", () => {
    const g = new Graph("split_bad");
    const x = g.addInput("x", "f32", [2, 5]);
    assert.throws(
      () => ops.split(x, [2, 2], 1),
      (e: unknown) => e instanceof GraphBuildError && /sum to 4/.test(e.message),
    );
  });
});

describe("slice, unsqueeze, squeeze", () => {
  test("slice with positive, negative and out-of-range bounds", async () => {
    const x = iota([3, 5]);
    const g = new Graph("slice");
    const xi = g.addInput("x", "f32", [3, 5]);
    const a = ops.slice(xi, 1, 1, 3); // columns 1, 2
    const b = ops.slice(xi, -1, -3, -1); // columns 2, 3
    const c = ops.slice(xi, 0, 1, 100); // rows 1, 2
    const d = ops.slice(xi, 1, -100, 2); // columns 0, 1
    assert.deepEqual(
      [a.shape, b.shape, c.shape, d.shape],
      [
        [3, 2],
        [3, 2],
        [2, 5],
        [3, 2],
      ],
    );
    g.addOutput(a, "a");
    g.addOutput(b, "b");
    g.addOutput(c, "c");
    g.addOutput(d, "d");
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(Array.from(outF32(out, "a", [3, 2])), [1, 2, 6, 7, 11, 12]);
    assert.deepEqual(Array.from(outF32(out, "b", [3, 2])), [2, 3, 7, 8, 12, 13]);
    assert.deepEqual(Array.from(outF32(out, "c", [2, 5])), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.deepEqual(Array.from(outF32(out, "d", [3, 2])), [0, 1, 5, 6, 10, 11]);
  });

  test("an empty range (start past end) declares a 0-length dim, as ONNX Slice returns", async () => {
    const g = new Graph("slice_empty");
    const xi = g.addInput("x", "f32", [4]);
    const y = ops.slice(xi, 0, 3, 1);
    assert.deepEqual(y.shape, [0], "declared shape of x[3:1] on a length-4 axis");
    g.addOutput(y, "y");
    const out = await runOnce(engine, g, { x: iota([4]) });
    assert.deepEqual(out["y"]?.dims, [0]);
  });

  test("unsqueeze and squeeze with negative axes", async () => {
    const x = iota([2, 3]);
    const g = new Graph("unsqueeze");
    const xi = g.addInput("x", "f32", [2, 3]);
    const u = ops.unsqueeze(xi, [0, -1]);
    assert.deepEqual(u.shape, [1, 2, 3, 1]);
    const s = ops.squeeze(u, [-1, 0]);
    assert.deepEqual(s.shape, [2, 3]);
    const m = ops.unsqueeze(xi, [1]);
    assert.deepEqual(m.shape, [2, 1, 3]);
    g.addOutput(u, "u");
    g.addOutput(s, "s");
    g.addOutput(m, "m");
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(Array.from(outF32(out, "u", [1, 2, 3, 1])), Array.from(x.data));
    assert.deepEqual(Array.from(outF32(out, "s", [2, 3])), Array.from(x.data));
    assert.deepEqual(Array.from(outF32(out, "m", [2, 1, 3])), Array.from(x.data));
  });
});

describe("cast, gather, identity", () => {
  test("cast f32 to i32, f64 and f16 (bit patterns), i64 to f32, and a same-dtype cast adds no node", async () => {
    const g = new Graph("cast");
    const xi = g.addInput("x", "f32", [4]);
    const ii = g.addInput("i", "i64", [3]);
    assert.equal(ops.cast(xi, "f32"), xi);
    const nodes = g.nodes.length;
    const toI32 = ops.cast(xi, "i32");
    const toF64 = ops.cast(xi, "f64");
    const toF16 = ops.cast(xi, "f16");
    const fromI64 = ops.cast(ii, "f32");
    assert.equal(g.nodes.length, nodes + 4);
    assert.deepEqual([toI32.dtype, toF64.dtype, toF16.dtype, fromI64.dtype], ["i32", "f64", "f16", "f32"]);
    g.addOutput(toI32, "i32");
    g.addOutput(toF64, "f64");
    g.addOutput(toF16, "f16");
    g.addOutput(fromI64, "from_i64");
    const out = await runOnce(engine, g, { x: f32t([4], [1, -2, 0.5, 65504]), i: i64t([3], [-7, 0, 2 ** 24]) });
    assert.equal(out["i32"]?.dtype, "i32");
    assert.deepEqual(Array.from(out["i32"]!.data as Int32Array), [1, -2, 0, 65504]);
    assert.equal(out["f64"]?.dtype, "f64");
    assert.deepEqual(Array.from(out["f64"]!.data as Float64Array), [1, -2, 0.5, 65504]);
    assert.equal(out["f16"]?.dtype, "f16");
    // IEEE half: 1 = 0x3c00, -2 = 0xc000, 0.5 = 0x3800, 65504 (largest finite) = 0x7bff.
    assert.deepEqual(Array.from(out["f16"]!.data as Uint16Array), [0x3c00, 0xc000, 0x3800, 0x7bff]);
    assert.deepEqual(Array.from(outF32(out, "from_i64", [3])), [-7, 0, 2 ** 24]);
  });

  test("cast through bf16 keeps bf16-exact values", async () => {
    const g = new Graph("cast_bf16");
    const xi = g.addInput("x", "f32", [4]);
    const y = ops.cast(ops.cast(xi, "bf16"), "f32");
    g.addOutput(y, "y");
    // 1 + 2^-7 is the next bf16 after 1 (7 mantissa bits); 1 + 2^-20 rounds (or truncates) to 1.
    const out = await runOnce(engine, g, { x: f32t([4], [1 + 2 ** -7, -3.5, 2 ** -100, 1 + 2 ** -20]) });
    assert.deepEqual(Array.from(outF32(out, "y", [4])), [1 + 2 ** -7, -3.5, 2 ** -100, 1]);
  });

  test("gather rows (axis 0, including a negative index) and columns (axis 1)", async () => {
    const data = iota([4, 3]);
    const g = new Graph("gather");
    const d = g.addInput("d", "f32", [4, 3]);
    const idx = g.addInput("idx", "i64", [2, 2]);
    const rows = ops.gather(d, idx);
    const cols = ops.gather(d, ops.slice(ops.reshape(idx, [-1]), 0, 0, 2), 1);
    assert.deepEqual(rows.shape, [2, 2, 3]);
    assert.deepEqual(cols.shape, [4, 2]);
    g.addOutput(rows, "rows");
    g.addOutput(cols, "cols");
    const out = await runOnce(engine, g, { d: data, idx: i64t([2, 2], [2, 0, -1, 1]) });
    assert.deepEqual(Array.from(outF32(out, "rows", [2, 2, 3])), [6, 7, 8, 0, 1, 2, 9, 10, 11, 3, 4, 5]);
    assert.deepEqual(Array.from(outF32(out, "cols", [4, 2])), [2, 0, 5, 3, 8, 6, 11, 9]);
  });

  test("identity passes data through, and an input can be an output (renamed by Identity)", async () => {
    const x = randT([2, 3], 21);
    const g = new Graph("identity");
    const xi = g.addInput("x", "f32", ["B", 3]);
    const y = ops.identity(xi);
    assert.deepEqual(y.shape, ["B", 3]);
    g.addOutput(y, "y");
    g.addOutput(xi, "x_copy");
    const out = await runOnce(engine, g, { x });
    assert.deepEqual(outF32(out, "y", [2, 3]), x.data);
    assert.deepEqual(outF32(out, "x_copy", [2, 3]), x.data);
  });
});

describe("runtime shapes: shapeOf, reshapeTo, splitLike, sliceAfter", () => {
  test("shapeOf gives the runtime dims as i64, whole or a range", async () => {
    const g = new Graph("shape_of");
    const xi = g.addInput("x", "f32", ["B", "L", 4]);
    const all = ops.shapeOf(xi);
    const mid = ops.shapeOf(xi, 1, 3);
    assert.deepEqual([all.dtype, all.shape, mid.shape], ["i64", [3], [2]]);
    g.addOutput(all, "all");
    g.addOutput(mid, "mid");
    const out = await runOnce(engine, g, { x: randT([2, 5, 4], 31) });
    assert.deepEqual(Array.from(out["all"]!.data as BigInt64Array), [2n, 5n, 4n]);
    assert.deepEqual(Array.from(out["mid"]!.data as BigInt64Array), [5n, 4n]);
  });

  test("shapeOf with a negative start declares one dim (ONNX Shape counts negative start from the end)", async () => {
    const g = new Graph("shape_of_neg");
    const xi = g.addInput("x", "f32", ["B", "L", 4]);
    const last = ops.shapeOf(xi, -1);
    assert.deepEqual(last.shape, [1], "declared shape of Shape(start=-1) on a rank-3 value");
    g.addOutput(last, "last");
    const out = await runOnce(engine, g, { x: randT([2, 5, 4], 32) });
    assert.deepEqual(Array.from(out["last"]!.data as BigInt64Array), [4n]);
  });

  test("reshapeTo takes its target from a runtime i64 vector", async () => {
    const g = new Graph("reshape_to");
    const xi = g.addInput("x", "f32", ["N"]);
    const shape = g.addInput("shape", "i64", [3]);
    const y = ops.reshapeTo(ops.mul(xi, 2), shape, ["P", "Q", "R"]);
    assert.deepEqual(y.shape, ["P", "Q", "R"]);
    g.addOutput(y, "y");
    const x = iota([12]);
    const out = await runOnce(engine, g, { x, shape: i64t([3], [2, -1, 3]) });
    assert.deepEqual(
      Array.from(outF32(out, "y", [2, 2, 3])),
      Array.from(x.data, (v) => 2 * v),
    );
  });

  test("splitLike and sliceAfter split a concatenation back by the runtime lengths of its parts", async () => {
    const g = new Graph("split_like");
    const a = g.addInput("a", "f32", ["B", "La", 4]);
    const b = g.addInput("b", "f32", ["B", "Lb", 4]);
    const joined = ops.mul(ops.concat([a, b], 1), 3);
    assert.deepEqual(joined.shape, ["B", "La+Lb", 4]);
    const [pa, pb] = ops.splitLike(joined, 1, [a, b]) as [Value, Value];
    assert.deepEqual(pa.shape, ["B", "La", 4]);
    assert.deepEqual(pb.shape, ["B", "Lb", 4]);
    const rest = ops.sliceAfter(joined, -2, a);
    assert.equal(rest.shape.length, 3);
    assert.equal(rest.shape[0], "B");
    assert.equal(rest.shape[2], 4);
    g.addOutput(pa, "pa");
    g.addOutput(pb, "pb");
    g.addOutput(rest, "rest");
    for (const [la, lb] of [
      [2, 3],
      [5, 1],
    ] as const) {
      const ta = randT([2, la, 4], 40 + la);
      const tb = randT([2, lb, 4], 50 + lb);
      const out = await runOnce(engine, g, { a: ta, b: tb });
      assert.deepEqual(
        Array.from(outF32(out, "pa", [2, la, 4])),
        Array.from(ta.data, (v) => Math.fround(3 * v)),
      );
      assert.deepEqual(
        Array.from(outF32(out, "pb", [2, lb, 4])),
        Array.from(tb.data, (v) => Math.fround(3 * v)),
      );
      assert.deepEqual(
        Array.from(outF32(out, "rest", [2, lb, 4])),
        Array.from(tb.data, (v) => Math.fround(3 * v)),
      );
    }
  });
});

test("tensor() rejects data of the wrong length (guards the helpers above)", () => {
  assert.throws(() => tensor("f32", [2, 2], new Float32Array(3)));
});
