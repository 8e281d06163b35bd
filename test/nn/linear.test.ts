/** Linear: y = x W^T + b on float weights and on 8-bit MatMulNBits codes, any leading dims. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Linear } from "../../src/nn/linear.js";
import { BuildContext, type ParamBinder, type ParamSpec, type QuantizedWeight } from "../../src/nn/module.js";
import { Graph } from "../../src/onnx/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { contextOver, mapBinder, matmulRef, transposeRef } from "./helpers.js";

const engine = engineForTests();

/** x [rows, in] W^T + b in float64. */
function linearRef(
  x: Tensor<"f32">,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
  rows: number,
  inF: number,
  outF: number,
): Float64Array {
  const y = matmulRef(x.data, transposeRef(w, outF, inF), rows, inF, outF);
  return b ? y.map((v, i) => v + (b[i % outF] as number)) : y;
}

describe("Linear", () => {
  test("x [B, L, in] -> [B, L, out] with bias (leading dims restored at run time)", async () => {
    const layer = new Linear("proj", 5, 3);
    const w = randT([3, 5], 1);
    const b = randT([3], 2);
    const g = new Graph("linear");
    const ctx = contextOver(g, { "proj.weight": w, "proj.bias": b });
    const y = layer.forward(ctx, g.addInput("x", "f32", ["B", "L", 5]));
    assert.deepEqual(y.shape, ["B", "L", 3]);
    g.addOutput(y, "y");
    const x = randT([2, 4, 5], 3);
    const out = await runOnce(engine, g, { x });
    assertClose(outF32(out, "y", [2, 4, 3]), linearRef(x, w.data, b.data, 8, 5, 3), "y", { rtol: 1e-5, atol: 1e-6 });
  });

  test("x [N, in] without bias: one Gemm, no reshapes", async () => {
    const layer = new Linear("fc", 4, 2, false);
    assert.deepEqual(
      layer.parameters().map((p) => p.path),
      ["fc.weight"],
    );
    const w = randT([2, 4], 4);
    const g = new Graph("linear");
    g.addOutput(layer.forward(contextOver(g, { "fc.weight": w }), g.addInput("x", "f32", ["N", 4])), "y");
    assert.deepEqual(
      g.nodes.map((n) => n.opType),
      ["Gemm", "Identity"],
    );
    const x = randT([3, 4], 5);
    assertClose(outF32(await runOnce(engine, g, { x }), "y", [3, 2]), linearRef(x, w.data, null, 3, 4, 2), "y", { rtol: 1e-5, atol: 1e-6 });
  });

  test("quantized weights: W[n, k] = (q[n, k] - 128) * scale[n] through MatMulNBits (8-bit, block 16)", async () => {
    const [K, N] = [16, 3];
    const codes = Uint8Array.from({ length: N * K }, (_, i) => (i * 37 + 11) % 256);
    const scales = Float32Array.of(0.5, 0.25, 0.125);
    const b = randT([N], 6);
    const binder: ParamBinder = {
      ...mapBinder(new Map([["q.bias", b]])),
      bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
        if (spec.path !== "q.weight") return null;
        return {
          b: graph.constant(tensor("u8", [N, 1, K], codes), "codes"),
          scales: graph.constant(tensor("f32", [N, 1], scales), "scales"),
          zeroPoints: null,
          bits: 8,
          blockSize: 16,
          accuracyLevel: 0,
        };
      },
    };
    const g = new Graph("linear_q");
    g.addOutput(new Linear("q", K, N).forward(new BuildContext(g, binder), g.addInput("x", "f32", ["N", K])), "y");
    assert.ok(g.nodes.some((n) => n.opType === "MatMulNBits" && n.domain === "com.microsoft"));
    const w = Array.from(codes, (q, i) => (q - 128) * (scales[Math.floor(i / K)] as number));
    const x = randT([2, K], 7);
    assertClose(outF32(await runOnce(engine, g, { x }), "y", [2, N]), linearRef(x, w, b.data, 2, K, N), "y", { rtol: 1e-5, atol: 1e-4 });
  });
});
