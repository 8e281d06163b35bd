/** The op registry: every node goes through its op's shape rule; unknown ops and misfits are refused. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, GraphBuildError, OPS, OpRegistry, ShapeRuleError, UnknownOpError, attr, ops } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";

describe("op registry", () => {
  test("a node of an unregistered op type is refused, naming the op, and adds nothing", () => {
    const g = new Graph("g");
    const x = g.addInput("x", "f32", [2]);
    assert.throws(
      () => g.addNode("NoSuchOp", [x], {}),
      (e: unknown) => {
        assert.ok(e instanceof UnknownOpError && e instanceof GraphBuildError, String(e));
        assert.match(e.message, /op NoSuchOp is not registered/);
        return true;
      },
    );
    assert.equal(g.nodes.length, 0);
  });

  test("the domain is part of the op: MultiHeadAttention exists only in com.microsoft", () => {
    const g = new Graph("g");
    const x = g.addInput("x", "f32", [1, 2, 4]);
    assert.throws(() => g.addNode("MultiHeadAttention", [x, x, x], { num_heads: attr.int(1) }), /op MultiHeadAttention is not registered/);
    assert.throws(() => g.addNode("Gemm", [x, x], {}, { domain: "com.microsoft" }), /op com\.microsoft\.Gemm is not registered/);
    assert.equal(ops.multiHeadAttention(x, x, x, 2).shape.join(","), "1,2,4");
  });

  test("a shape-rule mismatch names the op, the node and what did not fit, and adds nothing", () => {
    const g = new Graph("g");
    const a = g.addInput("a", "f32", [2, 3]);
    const b = g.addInput("b", "f32", [4, 5]);
    ops.add(a, a);
    assert.throws(
      () => ops.matmul(a, b),
      (e: unknown) => {
        assert.ok(e instanceof ShapeRuleError, String(e));
        assert.equal(e.message, "MatMul (node MatMul_1): [2, 3] @ [4, 5]: inner dimensions differ");
        return true;
      },
    );
    assert.equal(g.nodes.length, 1);
    const c = g.addInput("c", "f32", [3, 2]);
    assert.throws(() => ops.add(a, c), /Add \(node Add_1\): shapes \[2, 3\] and \[3, 2\] do not broadcast$/);
    assert.throws(() => ops.add(a, g.addInput("i", "i64", [2, 3])), /Add \(node Add_1\): dtypes f32 and i64 differ/);
  });

  test("rules check attributes against the inputs: Transpose perm, Gemm C, Conv kernel_shape", () => {
    const g = new Graph("g");
    const x = g.addInput("x", "f32", [2, 3]);
    assert.throws(
      () => g.addNode("Transpose", [x], { perm: attr.ints([0, 0]) }),
      /Transpose \(node Transpose_0\): perm \[0,0\] does not fit \[2, 3\]/,
    );
    const w = g.addInput("w", "f32", [4, 3]);
    const badC = g.addInput("c", "f32", [5]);
    assert.throws(() => ops.gemmTransB(x, w, badC), /Gemm \(node Gemm_0\): C c \[5\] does not broadcast to \[2, 4\]/);
    assert.deepEqual(ops.gemmTransB(x, w, g.addInput("bias", "f32", [4])).shape, [2, 4]);
    const img = g.addInput("img", "f32", [1, 3, 8, 8]);
    const k = g.addInput("k", "f32", [2, 3, 3, 3]);
    assert.throws(() => g.addNode("Conv", [img, k], { kernel_shape: attr.ints([5, 5]) }), /kernel_shape \[5,5\] does not fit weight k/);
  });

  test("a missing required attribute or input is named", () => {
    const g = new Graph("g");
    const x = g.addInput("x", "f32", [2, 3]);
    assert.throws(() => g.addNode("Transpose", [x], {}), /Transpose \(node Transpose_0\): attribute perm is missing/);
    assert.throws(() => g.addNode("Add", [x], {}), /Add \(node Add_0\): operand B is missing/);
    assert.throws(() => g.addNode("Transpose", [x], { perm: attr.int(1) }), /attribute perm must be ints, got int/);
  });

  test("data-dependent shapes: a computed Reshape target needs a declared shape of the right rank", () => {
    const g = new Graph("g");
    const x = g.addInput("x", "f32", ["B", 6]);
    const target = g.addInput("target", "i64", [2]);
    assert.throws(
      () => g.addNode("Reshape", [x, target], {}),
      /Reshape \(node Reshape_0\): the target shape is computed: the caller must declare/,
    );
    const wrongRank = { declaredShapes: [["B", 2, 3]] };
    assert.throws(() => g.addNode("Reshape", [x, target], {}, wrongRank), /the shape vector has 2 entries, the declared shape \[B, 2, 3\]/);
    const [y] = g.addNode("Reshape", [x, target], {}, { declaredShapes: [["B*2", 3]] });
    assert.deepEqual(y?.shape, ["B*2", 3]);
    // ConstantOfShape of a computed shape vector follows the same rule.
    assert.throws(
      () => g.addNode("ConstantOfShape", [target], {}, wrongRank),
      /ConstantOfShape \(node ConstantOfShape_\d+\): the shape vector has 2 entries, the declared shape \[B, 2, 3\]/,
    );
    assert.deepEqual(g.addNode("ConstantOfShape", [target], {}, { declaredShapes: [["B", 6]] })[0]?.shape, ["B", 6]);
    // A constant target is read from the initializer: no declaration needed.
    assert.deepEqual(ops.reshape(x, [0, 2, -1]).shape, ["B", 2, 3]);
  });

  test("every op the helpers use is registered once; registering twice is refused", () => {
    const names = OPS.list().map((s) => (s.domain ? `${s.domain}.${s.opType}` : s.opType));
    assert.equal(new Set(names).size, names.length);
    for (const op of ["TopK", "ScatterElements", "ConstantOfShape", "Gemm", "com.microsoft.MatMulNBits", "RotaryEmbedding", "Resize"]) {
      assert.ok(names.includes(op), `${op} is registered`);
    }
    const first = OPS.list()[0];
    assert.ok(first);
    assert.throws(() => new OpRegistry([first, first]), /is registered twice/);
  });

  test("a graph can use an extended registry without changing the default one", () => {
    const custom = OPS.with([{ domain: "test", opType: "Twice", outputs: (q) => [{ dtype: q.input(0).dtype, shape: q.input(0).shape }] }]);
    const g = new Graph("g", custom);
    const x = g.addInput("x", "f32", [3]);
    const [y] = g.addNode("Twice", [x], {}, { domain: "test" });
    assert.deepEqual([y?.dtype, y?.shape], ["f32", [3]]);
    assert.equal(OPS.has("test", "Twice"), false);
    const plain = new Graph("h");
    assert.throws(() => plain.addNode("Twice", [plain.addInput("z", "f32", [1])], {}, { domain: "test" }), UnknownOpError);
  });

  test("rules see inline constants: ConstantOfShape of a constant shape, Cast to a dtype code", () => {
    const g = new Graph("g");
    const shape = g.constant(tensor("i64", [2], BigInt64Array.of(2n, 5n)));
    const [z] = g.addNode("ConstantOfShape", [shape], { value: attr.tensor(tensor("i32", [1])) });
    assert.deepEqual([z?.dtype, z?.shape], ["i32", [2, 5]]);
    assert.equal(ops.cast(g.addInput("x", "f32", [1]), "f16").dtype, "f16");
    assert.throws(() => g.addNode("Cast", [g.addInput("y", "f32", [1])], { to: attr.int(99) }), /cast target 99/);
  });
});
