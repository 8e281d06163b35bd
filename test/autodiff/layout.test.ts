/** Gradient rules of the layout ops (Reshape, Transpose, Concat, Split, Slice, Unsqueeze, Squeeze, Expand) against central finite differences (float64). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward, NotDifferentiableError } from "../../src/autodiff/index.js";
import { Graph, OPS, OpRegistry, opSchemas, ops, type OutputSpec, type ShapeQuery, type Value } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

describe("gradient rules: layout", () => {
  test("Reshape to constant targets with 0 and -1 entries", async () => {
    await checkGradient(engine, {
      name: "reshape_const",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4] } },
      build: ({ x }) => [ops.reshape(x!, [0, -1]), ops.reshape(ops.mul(x!, x!), [-1, 4, 1, 3])],
    });
  });

  test("Reshape to a computed target on symbolic shapes (Linear's flatten / unflatten)", async () => {
    await checkGradient(engine, {
      name: "reshape_computed",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4], shape: ["B", "L", 4] }, w: { dims: [4] } },
      build: ({ x, w }) => {
        const flat = ops.reshape(x!, [-1, 4]);
        const y = ops.mul(ops.mul(flat, w!), flat);
        const target = ops.concat([ops.shapeOf(x!, 0, 2), ops.constI64(x!.graph, [4])], 0);
        return withStaticShape(ops.reshapeTo(y, target, ["B", "L", 4]), [2, 3, 4]);
      },
    });
  });

  test("Transpose by a permutation that is not its own inverse", async () => {
    await checkGradient(engine, {
      name: "transpose",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4] }, y: { dims: [2, 3, 4, 5] } },
      build: ({ x, y }) => [ops.transpose(x!, [1, 2, 0]), ops.transpose(y!, [0, 2, 1, 3]), ops.transpose(ops.mul(x!, x!), [2, 0, 1])],
    });
  });

  test("Concat of static sizes, one input used twice", async () => {
    await checkGradient(engine, {
      name: "concat_static",
      dtype: "f64",
      inputs: { a: { dims: [2, 1, 3] }, b: { dims: [2, 4, 3] } },
      build: ({ a, b }) => [ops.concat([b!, a!, a!], 1), ops.concat([ops.mul(b!, b!), b!], -1)],
    });
  });

  test("Concat of symbolic sizes (txt + img tokens) splits the gradient at run-time sizes", async () => {
    await checkGradient(engine, {
      name: "concat_symbolic",
      dtype: "f64",
      inputs: { txt: { dims: [2, 2, 3], shape: ["B", "T", 3] }, img: { dims: [2, 4, 3], shape: ["B", "L", 3] } },
      build: ({ txt, img }) => {
        const x = ops.concat([txt!, img!], 1);
        return withStaticShape(ops.mul(x, x), [2, 6, 3]);
      },
    });
  });

  test("Split by constant sizes: outputs no gradient reaches contribute zeros", async () => {
    await checkGradient(engine, {
      name: "split_const",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 6] } },
      build: ({ x }) => {
        const [p, , r] = ops.split(x!, [1, 2, 3], -1) as [Value, Value, Value];
        const [s] = ops.split(ops.unsqueeze(x!, [1]), [3, 3], 3) as [Value, Value];
        return [ops.mul(p, p), r, s];
      },
    });
  });

  test("Split by run-time sizes (splitLike, the double block's txt/img split) on symbolic shapes", async () => {
    await checkGradient(engine, {
      name: "split_runtime",
      dtype: "f64",
      inputs: { txt: { dims: [2, 2, 3], shape: ["B", "T", 3] }, img: { dims: [2, 4, 3], shape: ["B", "L", 3] } },
      build: ({ txt, img }) => {
        const x = ops.concat([txt!, img!], 1);
        const [, imgOut] = ops.splitLike(ops.mul(x, x), 1, [txt!, img!]) as [Value, Value];
        return withStaticShape(ops.mul(imgOut, img!), [2, 4, 3]);
      },
    });
  });

  test("Slice with constant bounds: negative starts and ends, 'to the end' ends, several axes in one node", async () => {
    await checkGradient(engine, {
      name: "slice_const",
      dtype: "f64",
      inputs: { x: { dims: [3, 4, 5] } },
      build: ({ x }) => {
        const g = x!.graph;
        const c = (v: number[]): Value => ops.constI64(g, v);
        const several = g.addNode("Slice", [x!, c([-2, 1]), c([Number.MAX_SAFE_INTEGER, -1]), c([0, 2])], {})[0] as Value;
        // Axes omitted: the leading axes (the shape rule then needs the result declared).
        const noAxes = g.addNode("Slice", [x!, c([1, 0]), c([100, 3])], {}, { declaredShapes: [[2, 3, 5]] })[0] as Value;
        return [ops.slice(x!, 1, -3, -1), ops.slice(x!, 2, 1, Number.MAX_SAFE_INTEGER), ops.slice(x!, 0, 0, 1), several, noAxes];
      },
    });
  });

  test("Slice with run-time bounds (sliceAfter, sliceToEnds) or a symbolic axis, static and symbolic shapes", async () => {
    await checkGradient(engine, {
      name: "slice_runtime",
      dtype: "f64",
      inputs: {
        txt: { dims: [2, 2, 3], shape: ["B", "T", 3] },
        img: { dims: [2, 4, 3], shape: ["B", "L", 3] },
        s: { dims: [2, 5, 3] },
        t: { dims: [2, 2, 3] },
      },
      build: ({ txt, img, s, t }) => {
        const joined = ops.concat([txt!, img!], 1);
        const x = ops.mul(joined, joined);
        const imgTokens = withStaticShape(ops.sliceAfter(x, 1, txt!), [2, 4, 3]);
        const afterStatic = withStaticShape(ops.sliceAfter(s!, 1, t!), [2, 3, 3]);
        const toEnds = ops.sliceToEnds(s!, [1, 2], ops.shapeOf(t!, 1, 3), [2, 3]);
        const lastTwo = withStaticShape(ops.slice(img!, 1, -2, Number.MAX_SAFE_INTEGER), [2, 2, 3]);
        return [imgTokens, afterStatic, ops.mul(toEnds, toEnds), ops.mul(lastTwo, lastTwo)];
      },
    });
  });

  test("Unsqueeze and Squeeze, constant axes (negative too), symbolic batch", async () => {
    await checkGradient(engine, {
      name: "unsqueeze_squeeze",
      dtype: "f64",
      inputs: { x: { dims: [2, 3], shape: ["B", 3] }, y: { dims: [2, 1, 3] } },
      build: ({ x, y }) => [
        withStaticShape(ops.unsqueeze(ops.add(x!, x!), [0, -1]), [1, 2, 3, 1]),
        withStaticShape(ops.unsqueeze(ops.mul(x!, x!), [1]), [2, 1, 3]),
        ops.squeeze(ops.mul(y!, y!), [1]),
        ops.squeeze(ops.unsqueeze(y!, [0]), [-2, 0]),
      ],
    });
  });

  test("Expand to a constant and to a run-time shape sums the gradient back", async () => {
    await checkGradient(engine, {
      name: "expand",
      dtype: "f64",
      inputs: { x: { dims: [3, 1] }, b: { dims: [4], shape: ["D"] }, like: { dims: [2, 3, 4], wrt: false } },
      build: ({ x, b, like }) => [
        ops.expandTo(x!, ops.constI64(x!.graph, [2, 3, 4]), [2, 3, 4]),
        ops.mul(ops.expandTo(b!, ops.shapeOf(like!), like!.shape), like!),
      ],
    });
  });

  test("Slice with steps other than 1 is refused with a clear error", () => {
    const stepped = (q: ShapeQuery): OutputSpec[] => [{ dtype: q.input(0).dtype, shape: [2] }];
    const registry = new OpRegistry([...OPS.list().filter((s) => s.opType !== "Slice"), ...opSchemas({ Slice: stepped })]);
    const g = new Graph("steps", registry);
    const x = g.addInput("x", "f64", [4]);
    const c = (v: number[]): Value => ops.constI64(g, v);
    const y = g.addNode("Slice", [x, c([0]), c([4]), c([0]), c([2])], {})[0] as Value;
    assert.throws(
      () => backward(g, [{ value: y, grad: y }], [x]),
      (e: unknown) => e instanceof NotDifferentiableError && /only steps of 1 are differentiable, got \[2\]/.test(e.message),
    );
  });
});
