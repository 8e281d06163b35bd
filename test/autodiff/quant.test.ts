/**
 * Gradient rule of com.microsoft.MatMulNBits on weights packed by icedit's own quantizer
 * (src/weights/quant): the input gradient against central finite differences, in float32 (the op
 * takes float32 activations only; the product is linear in A, so eps 1e-2 leaves only rounding),
 * and the in-graph dequantization against the host's, bit for bit.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward, NotDifferentiableError } from "../../src/autodiff/index.js";
import { dequantizeNBitsInGraph } from "../../src/autodiff/rules/quant.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { dequantizeNBits, quantizeNBits, type NBits, type NBitsScheme, type PackedNBits } from "../../src/weights/quant/index.js";
import { assertClose, engineForTests, randT } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";
import { weighted } from "./weighted.js";

const engine = engineForTests();

// N outputs, K inputs; block size 16 gives 3 blocks (an odd count: the 4-bit zero points leave a
// nibble unused) and 8 padding elements in the last block.
const [N, K, BLOCK] = [5, 40, 16];

function packed(bits: NBits, scheme: NBitsScheme): PackedNBits {
  return quantizeNBits(randT([N, K], 10 + bits, -2, 2), { bits, blockSize: BLOCK, scheme });
}

interface QuantConstants {
  readonly b: Value;
  readonly scales: Value;
  readonly zeroPoints: Value | null;
}

function constantsOf(g: Graph, p: PackedNBits): QuantConstants {
  return {
    b: g.constant(p.b, "codes"),
    scales: g.constant(p.scales, "scales"),
    zeroPoints: p.zeroPoints ? g.constant(p.zeroPoints, "zero_points") : null,
  };
}

/** y [..., N] = a [..., K] @ W^T (+ bias) by MatMulNBits on the packed weight. */
function product(a: Value, p: PackedNBits, bias: Value | null = null): Value {
  const c = constantsOf(a.graph, p);
  return ops.matMulNBits(a, c.b, c.scales, c.zeroPoints, { K, N, bits: p.bits, blockSize: BLOCK, bias });
}

const SCHEMES: readonly [NBits, NBitsScheme][] = [
  [8, "symmetric"],
  [4, "symmetric"],
  [8, "asymmetric"],
  [4, "asymmetric"],
];

describe("gradient rule: MatMulNBits", () => {
  for (const [bits, scheme] of SCHEMES) {
    const zp = scheme === "symmetric" ? "default zero points" : "explicit zero points";
    test(`${bits}-bit, ${zp}: dA = dY @ W with 3-D input`, async () => {
      const p = packed(bits, scheme);
      await checkGradient(engine, {
        name: `nbits_${bits}_${scheme}`,
        dtype: "f32",
        inputs: { a: { dims: [2, 3, K] } },
        build: ({ a }) => product(a!, p),
      });
    });

    test(`${bits}-bit, ${zp}: the in-graph dequantized W equals the host's exactly`, async () => {
      const p = packed(bits, scheme);
      const g = new Graph(`dequant_${bits}_${scheme}`);
      const c = constantsOf(g, p);
      g.addOutput(dequantizeNBitsInGraph({ ...c, bits, blockSize: BLOCK, N, K }), "w");
      const session = await engine.load(g);
      try {
        const w = (await session.run({})).outputs["w"];
        assert.ok(w);
        assert.deepEqual(w.dims, [N, K]);
        const want = dequantizeNBits(p);
        for (let i = 0; i < want.length; i++) assert.equal(w.data[i], want[i], `W[${Math.floor(i / K)}, ${i % K}]`);
      } finally {
        await session.release();
      }
    });
  }

  test("bias gradient, and rows declared symbolic as icedit's Linear flattens them", async () => {
    const p = packed(4, "symmetric");
    await checkGradient(engine, {
      name: "nbits_bias_symbolic",
      dtype: "f32",
      inputs: { a: { dims: [3, K], shape: ["M", K] }, bias: { dims: [N] } },
      build: ({ a, bias }) => weighted(product(a!, p, bias!), [3, N]),
    });
  });

  test("accuracy level 4 (int8 activations in the forward): dA is dY @ W with the exact W, against the host", async () => {
    const p = packed(4, "asymmetric");
    const rows = 3;
    const dyValues = randT([rows, N], 21);
    const g = new Graph("nbits_level4");
    const a = g.addInput("a", "f32", [rows, K]);
    const c = constantsOf(g, p);
    const y = ops.matMulNBits(a, c.b, c.scales, c.zeroPoints, { K, N, bits: 4, blockSize: BLOCK, accuracyLevel: 4 });
    const [da] = backward(g, [{ value: y, grad: g.constant(dyValues, "dy") }], [a]);
    g.addOutput(y, "y");
    g.addOutput(da as Value, "da");
    const session = await engine.load(g);
    try {
      const got = (await session.run({ a: randT([rows, K], 22) })).outputs["da"];
      assert.ok(got);
      const w = dequantizeNBits(p);
      const want = Array.from({ length: rows * K }, (_, i) => {
        const [r, k] = [Math.floor(i / K), i % K];
        let sum = 0;
        for (let n = 0; n < N; n++) sum += (dyValues.data[r * N + n] as number) * (w[n * K + k] as number);
        return sum;
      });
      assertClose(got.data as Float32Array, want, "dA", { rtol: 1e-5, atol: 1e-5 });
    } finally {
      await session.release();
    }
  });

  test("refuses a gradient for the scales: the quantized base is frozen", () => {
    const p = packed(8, "symmetric");
    const g = new Graph("nbits_scales");
    const a = g.addInput("a", "f32", [2, K]);
    const scales = g.addInput("scales", "f32", [N, p.nBlocks]);
    const y = ops.matMulNBits(a, g.constant(p.b), scales, null, { K, N, bits: 8, blockSize: BLOCK });
    const dy = g.constant(tensor("f32", [2, N]));
    assert.throws(
      () => backward(g, [{ value: y, grad: dy }], [a, scales]),
      (e: unknown) => e instanceof NotDifferentiableError && /MatMulNBits.*frozen/.test(e.message),
    );
  });
});
