/**
 * Gradient rules of com.microsoft.MultiHeadAttention and ONNX RotaryEmbedding against central
 * finite differences. Both ops have float32 kernels only on ONNX Runtime's CPU provider (a float64
 * graph is refused when the session is created), so these cases run in float32 with eps 1e-2 on
 * inputs in [-1, 1] (logits of order 1, a well-conditioned softmax) and the checker's float32
 * tolerance (2e-3 of the largest gradient). attention-decomposed.test.ts checks the same backward
 * decomposition in float64.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward, NotDifferentiableError } from "../../src/autodiff/index.js";
import { attr, Graph, ops, type Value } from "../../src/onnx/index.js";
import { engineForTests, uniform } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { weighted } from "./weighted.js";

const engine = engineForTests();

/** cos and sin of random angles in [-pi, pi), each [B, S, D/2]. */
function rotaryTables(dims: readonly number[], seed: number): { cos: number[]; sin: number[] } {
  const n = dims.reduce((a, b) => a * b, 1);
  const angles = Array.from(uniform(n, seed, -Math.PI, Math.PI));
  return { cos: angles.map(Math.cos), sin: angles.map(Math.sin) };
}

function rotary(x: Value, cos: Value, sin: Value, heads: number, interleaved: 0 | 1): Value {
  const attrs = { interleaved: attr.int(interleaved), num_heads: attr.int(heads) };
  return x.graph.addNode("RotaryEmbedding", [x, cos, sin], attrs)[0] as Value;
}

describe("gradient rule: MultiHeadAttention", () => {
  test("self-attention with the default scale 1/sqrt(D), two heads", async () => {
    await checkGradient(engine, {
      name: "mha_default_scale",
      dtype: "f32",
      inputs: { q: { dims: [2, 3, 8] }, k: { dims: [2, 3, 8] }, v: { dims: [2, 3, 8] } },
      build: ({ q, k, v }) => ops.multiHeadAttention(q!, k!, v!, 2),
    });
  });

  test("explicit scale (the VAE's one-head attention) and one input used as query, key and value", async () => {
    await checkGradient(engine, {
      name: "mha_scale_shared",
      dtype: "f32",
      inputs: { x: { dims: [1, 4, 6] } },
      build: ({ x }) => ops.multiHeadAttention(x!, x!, x!, 1, 1 / Math.sqrt(6)),
    });
  });

  test("cross-attention: key/value sequence longer than the query's, value head size unlike the query's", async () => {
    await checkGradient(engine, {
      name: "mha_cross",
      dtype: "f32",
      inputs: { q: { dims: [2, 2, 8] }, k: { dims: [2, 5, 8] }, v: { dims: [2, 5, 6] } },
      build: ({ q, k, v }) => ops.multiHeadAttention(q!, k!, v!, 2, 0.7),
    });
  });

  test("symbolic batch and sequence", async () => {
    await checkGradient(engine, {
      name: "mha_symbolic",
      dtype: "f32",
      inputs: {
        q: { dims: [2, 3, 8], shape: ["B", "S", 8] },
        k: { dims: [2, 3, 8], shape: ["B", "S", 8] },
        v: { dims: [2, 3, 8], shape: ["B", "S", 8] },
      },
      build: ({ q, k, v }) => weighted(ops.multiHeadAttention(q!, k!, v!, 4), [2, 3, 8]),
    });
  });

  test("refuses an attention bias, naming the op", () => {
    const g = new Graph("mha_bias");
    const x = g.addInput("x", "f32", [1, 2, 4]);
    const bias = g.addInput("bias", "f32", [1, 1, 2, 2]);
    const y = ops.multiHeadAttentionBiased(x, x, x, 1, bias, 1);
    assert.throws(
      () => backward(g, [{ value: y, grad: y }], [x]),
      (e: unknown) => e instanceof NotDifferentiableError && /MultiHeadAttention.*input 5/.test(e.message),
    );
  });
});

describe("gradient rule: RotaryEmbedding", () => {
  const tables = rotaryTables([2, 3, 2], 5);
  const caches = {
    cos: { dims: [2, 3, 2], values: tables.cos, wrt: false },
    sin: { dims: [2, 3, 2], values: tables.sin, wrt: false },
  };

  test("interleaved pairs (FLUX), two heads of size 4", async () => {
    await checkGradient(engine, {
      name: "rope_interleaved",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 8] }, ...caches },
      build: ({ x, cos, sin }) => ops.rotaryEmbedding(x!, cos!, sin!, 2),
    });
  });

  test("half-split pairs (interleaved 0), symbolic batch and sequence", async () => {
    await checkGradient(engine, {
      name: "rope_halves",
      dtype: "f32",
      inputs: { x: { dims: [2, 3, 8], shape: ["B", "S", 8] }, ...caches },
      build: ({ x, cos, sin }) => weighted(rotary(x!, cos!, sin!, 2, 0), [2, 3, 8]),
    });
  });

  test("RoPE then attention, as a FLUX block runs them", async () => {
    await checkGradient(engine, {
      name: "rope_attention",
      dtype: "f32",
      inputs: { q: { dims: [2, 3, 8] }, k: { dims: [2, 3, 8] }, v: { dims: [2, 3, 8] }, ...caches },
      build: ({ q, k, v, cos, sin }) =>
        ops.multiHeadAttention(ops.rotaryEmbedding(q!, cos!, sin!, 2), ops.rotaryEmbedding(k!, cos!, sin!, 2), v!, 2),
    });
  });

  test("refuses a gradient for the sin cache", () => {
    const g = new Graph("rope_sin");
    const x = g.addInput("x", "f32", [1, 2, 4]);
    const cos = g.addInput("cos", "f32", [1, 2, 2]);
    const sin = g.addInput("sin", "f32", [1, 2, 2]);
    const y = ops.rotaryEmbedding(x, cos, sin, 1);
    assert.throws(
      () => backward(g, [{ value: y, grad: y }], [x, sin]),
      (e: unknown) => e instanceof NotDifferentiableError && /RotaryEmbedding.*cos and sin caches get no gradient/.test(e.message),
    );
  });
});
