/**
 * Gradient rules of LayerNormalization and RMSNormalization against central finite differences:
 * X, Scale and B, the default and other axes, broadcast Scale/B, inputs declared [B, S, D].
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward } from "../../src/autodiff/index.js";
import { attr, Graph, ops, type Value } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

type NormOp = "LayerNormalization" | "RMSNormalization";

/** A normalisation node with every attribute spelled out (the op helpers fix axis -1). x: [..., *normalised]. */
function norm(op: NormOp, inputs: readonly Value[], axis: number, epsilon: number, stashType?: number): Value {
  const [x] = inputs;
  if (!x) throw new Error("norm: no input");
  const attrs = {
    axis: attr.int(axis),
    epsilon: attr.float(epsilon),
    ...(stashType === undefined ? {} : { stash_type: attr.int(stashType) }),
  };
  return x.graph.addNode(op, inputs, attrs)[0] as Value;
}

describe("gradient rules: LayerNormalization", () => {
  test("axis -1 through ops.layerNorm: X, Scale and B", async () => {
    await checkGradient(engine, {
      name: "layer_norm",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 5], lo: -2, hi: 2 }, scale: { dims: [5], lo: 0.5, hi: 1.5 }, bias: { dims: [5] } },
      build: ({ x, scale, bias }) => ops.layerNorm(x!, scale!, bias!, 1e-6),
    });
  });

  test("axis 1 (normalising the last two axes), Scale [3, 4], a broadcast B [4], epsilon 0.25", async () => {
    await checkGradient(engine, {
      name: "layer_norm_axis1",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4], lo: -2, hi: 2 }, scale: { dims: [3, 4], lo: 0.5, hi: 1.5 }, bias: { dims: [4] } },
      build: ({ x, scale, bias }) => norm("LayerNormalization", [x!, scale!, bias!], 1, 0.25),
    });
  });

  test("X declared [B, S, 6], a constant ones Scale and no B (FLUX's norms): only X has a gradient", async () => {
    await checkGradient(engine, {
      name: "layer_norm_symbolic",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 6], shape: ["B", "S", 6], lo: -2, hi: 2 } },
      build: ({ x }) => {
        const ones = x!.graph.constant(tensor("f64", [6], new Float64Array(6).fill(1)), "ones");
        return withStaticShape(ops.layerNorm(x!, ones, null, 1e-6), [2, 3, 6]);
      },
    });
  });

  test("X declared [B, S, 6] with Scale and B", async () => {
    await checkGradient(engine, {
      name: "layer_norm_symbolic_affine",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 6], shape: ["B", "S", 6], lo: -2, hi: 2 }, scale: { dims: [6], lo: 0.5, hi: 1.5 }, bias: { dims: [6] } },
      build: ({ x, scale, bias }) => withStaticShape(ops.layerNorm(x!, scale!, bias!, 1e-6), [2, 3, 6]),
    });
  });

  // float32 X with stash_type 11 (double): the gradient is computed in float64 and cast back.
  // Step 1e-2 and tolerance 2e-3: float32 rounding of phi over 2 eps.
  test("float32 X with stash_type double", async () => {
    await checkGradient(engine, {
      name: "layer_norm_stash",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 4], lo: -2, hi: 2 }, scale: { dims: [4], lo: 0.5, hi: 1.5 }, bias: { dims: [4] } },
      build: ({ x, scale, bias }) => norm("LayerNormalization", [x!, scale!, bias!], -1, 1e-5, 11),
      eps: 1e-2,
    });
  });

  test("with stash_type double, the gradients of float32 X, Scale and B are float32", () => {
    const g = new Graph("layer_norm_stash_dtypes");
    const [x, scale, bias] = [g.addInput("x", "f32", [2, 4]), g.addInput("scale", "f32", [4]), g.addInput("bias", "f32", [4])];
    const y = norm("LayerNormalization", [x, scale, bias], -1, 1e-5, 11);
    const grads = backward(g, [{ value: y, grad: g.constant(tensor("f32", [2, 4])) }], [x, scale, bias]);
    assert.deepEqual(
      grads.map((d) => d.dtype),
      ["f32", "f32", "f32"],
    );
  });
});

describe("gradient rules: RMSNormalization", () => {
  test("axis -1 through ops.rmsNorm: X and Scale", async () => {
    await checkGradient(engine, {
      name: "rms_norm",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 5], lo: -2, hi: 2 }, scale: { dims: [5], lo: 0.5, hi: 1.5 } },
      build: ({ x, scale }) => ops.rmsNorm(x!, scale!, 1e-6),
    });
  });

  test("axis -2 (normalising the last two axes), a Scale [1, 4] broadcast over them, epsilon 0.25", async () => {
    await checkGradient(engine, {
      name: "rms_norm_axis",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4], lo: -2, hi: 2 }, scale: { dims: [1, 4], lo: 0.5, hi: 1.5 } },
      build: ({ x, scale }) => norm("RMSNormalization", [x!, scale!], -2, 0.25),
    });
  });

  test("X declared [B, S, 6]", async () => {
    await checkGradient(engine, {
      name: "rms_norm_symbolic",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 6], shape: ["B", "S", 6], lo: -2, hi: 2 }, scale: { dims: [6], lo: 0.5, hi: 1.5 } },
      build: ({ x, scale }) => withStaticShape(ops.rmsNorm(x!, scale!, 1e-6), [2, 3, 6]),
    });
  });

  // float32, the default stash_type (float), as FLUX's query/key norms run. Step 1e-2, tolerance 2e-3.
  test("float32 X, per-head norm as FLUX's q/k norms: [B, S, H, head_dim]", async () => {
    await checkGradient(engine, {
      name: "rms_norm_f32",
      dtype: "f32",
      inputs: { x: { dims: [1, 3, 2, 4], lo: -2, hi: 2 }, scale: { dims: [4], lo: 0.5, hi: 1.5 } },
      build: ({ x, scale }) => ops.rmsNorm(x!, scale!, 1e-6),
      eps: 1e-2,
    });
  });
});
