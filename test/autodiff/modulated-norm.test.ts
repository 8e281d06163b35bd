/**
 * FLUX's adaLN pattern differentiates end to end: modulatedNorm (src/nn/norms.ts) is
 * LayerNormalization with a constant ones Scale and no B, then * (1 + scale) + shift, with shift
 * and scale [B, 1, D] broadcast over the sequence. Gradients of x, shift and scale.
 */
import { describe, test } from "node:test";
import { modulatedNorm } from "../../src/nn/norms.js";
import { engineForTests } from "../onnx/helpers.js";
import { contextOver } from "../nn/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { withStaticShape } from "./static-shape.js";

const engine = engineForTests();
const [B, S, D] = [2, 3, 8];

describe("gradient of FLUX's modulated LayerNorm", () => {
  // float32: modulatedNorm builds float32 constants (the ones Scale, the 1 in 1 + scale), as the
  // FLUX graph does. Step 1e-2; tolerance 2e-3 of the largest derivative (float32 rounding of phi).
  test("x declared [B, S, D], shift and scale [B, 1, D]", async () => {
    await checkGradient(engine, {
      name: "modulated_norm",
      dtype: "f32",
      inputs: {
        x: { dims: [B, S, D], shape: ["B", "S", D], lo: -2, hi: 2 },
        shift: { dims: [B, 1, D], shape: ["B", 1, D] },
        scale: { dims: [B, 1, D], shape: ["B", 1, D] },
      },
      build: ({ x, shift, scale }) => {
        const ctx = contextOver(x!.graph, {});
        return withStaticShape(modulatedNorm(ctx, x!, shift!, scale!, D, 1e-6), [B, S, D]);
      },
      eps: 1e-2,
      rtol: 2e-3,
      atol: 2e-3,
    });
  });
});
