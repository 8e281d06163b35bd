/**
 * The MultiHeadAttention backward decomposition (attentionBackward) in float64, where ONNX Runtime
 * has double MatMul and Softmax kernels (the fused op has none): its dq, dk, dv for a fixed dO
 * against central finite differences of <dO, O> with O = softmax(scale Q K^T) V built here from
 * MatMul and Softmax per head. Tolerances are float64's, so errors far below the float32 check's
 * reach (attention.test.ts) show.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { attentionBackward, type AttentionShape } from "../../src/autodiff/rules/attention.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests, uniform } from "../onnx/helpers.js";

const engine = engineForTests();

function f64(dims: readonly number[], seed: number): Tensor<"f64"> {
  return tensor(
    "f64",
    dims,
    Float64Array.from(
      uniform(
        dims.reduce((a, b) => a * b, 1),
        seed,
        -1,
        1,
      ),
    ),
  );
}

/** O [B, S, H*Dv] from q [B, S, H*Dqk], k [B, Skv, H*Dqk], v [B, Skv, H*Dv], head by head. */
function attentionReference(q: Value, k: Value, v: Value, shape: AttentionShape): Value {
  const heads = (x: Value, d: number): Value => ops.transpose(ops.reshape(x, [0, 0, shape.heads, d]), [0, 2, 1, 3]);
  const [qh, kh, vh] = [heads(q, shape.qkHeadDim), heads(k, shape.qkHeadDim), heads(v, shape.vHeadDim)];
  const scale = q.graph.constant(tensor("f64", [], Float64Array.of(shape.scale)), "scale");
  const p = ops.softmax(ops.mul(ops.matmul(qh, ops.transpose(kh, [0, 1, 3, 2])), scale), -1);
  return ops.reshape(ops.transpose(ops.matmul(p, vh), [0, 2, 1, 3]), [0, 0, shape.heads * shape.vHeadDim]);
}

describe("MultiHeadAttention backward decomposition (float64)", () => {
  test("cross-attention, two heads, value head size unlike the query's", async () => {
    const shape: AttentionShape = { heads: 2, qkHeadDim: 3, vHeadDim: 2, scale: 0.8 };
    const feeds = { q: f64([2, 3, 6], 1), k: f64([2, 4, 6], 2), v: f64([2, 4, 4], 3) };
    const cotangent = f64([2, 3, 4], 4);
    const g = new Graph("attention_decomposed");
    const [q, k, v] = (["q", "k", "v"] as const).map((name) => g.addInput(name, "f64", feeds[name].dims)) as [Value, Value, Value];
    g.addOutput(attentionReference(q, k, v, shape), "o");
    const grads = attentionBackward(q, k, v, g.constant(cotangent, "d_o"), shape, { q: true, k: true, v: true });
    for (const [name, d] of [
      ["q", grads.dq],
      ["k", grads.dk],
      ["v", grads.dv],
    ] as const) {
      assert.ok(d, `no gradient for ${name}`);
      g.addOutput(d, `d${name}`);
    }
    const session = await engine.load(g);
    try {
      const analytic = (await session.run(feeds)).outputs;
      const phi = async (f: Record<string, Tensor>): Promise<number> => {
        const o = (await session.run(f)).outputs["o"] as Tensor;
        return cotangent.data.reduce((s, r, i) => s + r * (o.data[i] as number), 0);
      };
      const eps = 1e-6;
      for (const name of ["q", "k", "v"] as const) {
        const base = feeds[name];
        const got = analytic[`d${name}`] as Tensor;
        assert.deepEqual(got.dims, base.dims, `d${name} dims`);
        for (let i = 0; i < base.data.length; i++) {
          const at = (delta: number): Record<string, Tensor> => {
            const data = base.data.slice();
            data[i] = (data[i] as number) + delta;
            return { ...feeds, [name]: tensor("f64", base.dims, data) };
          };
          const numeric = ((await phi(at(eps))) - (await phi(at(-eps)))) / (2 * eps);
          const diff = Math.abs((got.data[i] as number) - numeric);
          assert.ok(diff <= 1e-8 + 1e-7 * Math.abs(numeric), `d${name}[${i}] is ${got.data[i]}, finite differences give ${numeric}`);
        }
      }
    } finally {
      await session.release();
    }
  });
});
