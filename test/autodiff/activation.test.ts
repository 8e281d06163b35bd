/** Gradient rules of the activations (Sigmoid, Tanh, SiLU, GELU, Softmax) against central finite differences. */
import { describe, test } from "node:test";
import { ops } from "../../src/onnx/index.js";
import { engineForTests } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();

describe("gradient rules: activations", () => {
  test("Sigmoid and Tanh, inputs declared [B, 3, 4]", async () => {
    await checkGradient(engine, {
      name: "sigmoid_tanh",
      dtype: "f64",
      inputs: { x: { dims: [2, 3, 4], shape: ["B", 3, 4], lo: -3, hi: 3 } },
      build: ({ x }) => [withStaticShape(ops.sigmoid(x!), [2, 3, 4]), withStaticShape(ops.tanh(x!), [2, 3, 4])],
    });
  });

  // float32: ONNX Runtime fuses Mul(x, Sigmoid(x)) into com.microsoft.QuickGelu, whose CPU kernel
  // is float32 only, so a float64 graph fails to load. Step 1e-2, tolerance 2e-3 (float32 rounding).
  test("SiLU as ops.silu builds it: Mul(x, Sigmoid(x)) (float32)", async () => {
    await checkGradient(engine, {
      name: "silu",
      dtype: "f32",
      inputs: { x: { dims: [3, 5], lo: -4, hi: 4 } },
      build: ({ x }) => ops.silu(x!),
      eps: 1e-2,
      rtol: 2e-3,
      atol: 2e-3,
    });
  });

  test("GELU, tanh approximation (FLUX's MLPs)", async () => {
    await checkGradient(engine, {
      name: "gelu_tanh",
      dtype: "f64",
      inputs: { x: { dims: [4, 6], lo: -4, hi: 4 } },
      build: ({ x }) => ops.gelu(x!, "tanh"),
    });
  });

  // float32: ONNX Runtime's CPU provider has no float64 Erf kernel ("Could not find an
  // implementation for Erf(13)"), which GELU's erf form expands to. Step 1e-2; the tolerance
  // (2e-3 of the largest derivative) covers the float32 rounding of phi over 2 eps.
  test("GELU, exact erf form (float32)", async () => {
    await checkGradient(engine, {
      name: "gelu_erf",
      dtype: "f32",
      inputs: { x: { dims: [4, 6], lo: -4, hi: 4 } },
      build: ({ x }) => ops.gelu(x!, "none"),
      eps: 1e-2,
      rtol: 2e-3,
      atol: 2e-3,
    });
  });

  test("Softmax along the last, first and a middle axis, input declared [B, S, 4]", async () => {
    const dims = [2, 3, 4];
    await checkGradient(engine, {
      name: "softmax",
      dtype: "f64",
      inputs: { x: { dims, shape: ["B", "S", 4], lo: -2, hi: 2 } },
      build: ({ x }) => [-1, 0, 1].map((axis) => withStaticShape(ops.softmax(x!, axis), dims)),
    });
  });
});
