/** Gradient rules of the indexing ops (Gather, TopK, ScatterElements, GatherElements; Shape and ConstantOfShape need none) against central finite differences (float64). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GRADIENTS } from "../../src/autodiff/index.js";
import { filledLike } from "../../src/autodiff/values.js";
import { ops } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

describe("gradient rules: indexing", () => {
  test("Gather on axis 0 with 2-D indices (embedding rows), repeated and negative indices add up", async () => {
    await checkGradient(engine, {
      name: "gather_rows",
      dtype: "f64",
      inputs: { table: { dims: [4, 3] }, ids: { dims: [2, 3], dtype: "i64", values: [1, 3, 1, 0, -3, 1] } },
      build: ({ table, ids }) => ops.gather(table!, ids!, 0),
    });
  });

  test("Gather of a scalar index (one adapter's scale)", async () => {
    await checkGradient(engine, {
      name: "gather_scalar",
      dtype: "f64",
      inputs: { scales: { dims: [3] }, w: { dims: [2, 2] } },
      build: ({ scales, w }) => ops.mul(w!, ops.gather(scales!, ops.constI64(w!.graph, [1], []))),
    });
  });

  test("Gather on inner axes: 1-D and 2-D indices, axis 1 and axis -1", async () => {
    await checkGradient(engine, {
      name: "gather_axes",
      dtype: "f64",
      inputs: { x: { dims: [2, 4, 3] }, i: { dims: [2, 2], dtype: "i64", values: [3, 0, 0, 2] } },
      build: ({ x, i }) => {
        const g = x!.graph;
        return [ops.gather(x!, i!, 1), ops.gather(x!, ops.constI64(g, [2, 2, 0]), -1), ops.gather(x!, ops.constI64(g, [1, -1]), 1)];
      },
    });
  });

  test("Gather on symbolic shapes takes the sizes from the gradient at run time", async () => {
    await checkGradient(engine, {
      name: "gather_symbolic",
      dtype: "f64",
      inputs: { x: { dims: [2, 4, 3], shape: ["B", "L", 3] }, i: { dims: [3, 1], dtype: "i64", values: [3, 1, 3], shape: ["K", 1] } },
      build: ({ x, i }) => withStaticShape(ops.gather(ops.mul(x!, x!), i!, 1), [2, 3, 1, 3]),
    });
  });

  test("TopK: the values' gradient goes to the chosen places along the axis (last and first axis)", async () => {
    await checkGradient(engine, {
      name: "topk",
      dtype: "f64",
      inputs: { x: { dims: [3, 5] } },
      build: ({ x }) => [ops.topK(x!, 2, -1).values, ops.topK(ops.mul(x!, x!), 1, 0).values, ops.topK(x!, 5, 1).values],
    });
  });

  test("ScatterElements (reduction none): overwritten data gets no gradient, updates get dy where they went", async () => {
    await checkGradient(engine, {
      name: "scatter_none",
      dtype: "f64",
      inputs: {
        data: { dims: [3, 4] },
        updates: { dims: [3, 2] },
        i: { dims: [3, 2], dtype: "i64", values: [0, 3, 2, -3, 1, 0] },
        rows: { dims: [1, 4], dtype: "i64", values: [2, 0, 1, 2] },
        u0: { dims: [1, 4] },
      },
      build: ({ data, updates, i, rows, u0 }) => [
        ops.scatterElements(data!, i!, updates!, 1),
        ops.scatterElements(ops.mul(data!, data!), rows!, u0!, 0),
      ],
    });
  });

  test("ScatterElements (reduction add) with repeated indices", async () => {
    await checkGradient(engine, {
      name: "scatter_add",
      dtype: "f64",
      inputs: { data: { dims: [2, 3] }, updates: { dims: [2, 4] }, i: { dims: [2, 4], dtype: "i64", values: [0, 0, 2, 0, 1, 1, 1, 2] } },
      build: ({ data, updates, i }) => ops.scatterElements(data!, i!, ops.mul(updates!, updates!), 1, "add"),
    });
  });

  test("GatherElements, repeated indices on both axes", async () => {
    await checkGradient(engine, {
      name: "gather_elements",
      dtype: "f64",
      inputs: { x: { dims: [3, 4] }, i: { dims: [3, 5], dtype: "i64", values: [0, 3, 3, 1, 0, 2, 2, 2, 2, 1, 1, 0, 3, 3, 1] } },
      build: ({ x, i }) => [
        ops.gatherElements(x!, i!, 1),
        ops.gatherElements(x!, ops.constI64(x!.graph, [2, 0, 2, 1, 1, 1, 0, 2], [2, 4]), 0),
      ],
    });
  });

  test("Shape and ConstantOfShape need no rule: a graph that uses shapeOf and filledLike differentiates", async () => {
    assert.equal(GRADIENTS.has("", "Shape"), false);
    assert.equal(GRADIENTS.has("", "ConstantOfShape"), false);
    await checkGradient(engine, {
      name: "shape_fill",
      dtype: "f64",
      inputs: { x: { dims: [2, 3], shape: ["B", 3] }, y: { dims: [2, 3] } },
      build: ({ x, y }) => {
        const shifted = ops.add(ops.mul(x!, x!), filledLike(x!, 2));
        const spread = ops.expandTo(ops.reduceSum(x!, [0], true), ops.shapeOf(x!), x!.shape);
        return [withStaticShape(ops.mul(shifted, spread), [2, 3]), ops.mul(y!, filledLike(y!, 3))];
      },
    });
  });
});
