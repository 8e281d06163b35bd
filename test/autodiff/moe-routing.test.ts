/**
 * Gradients through ICEdit's MoE routing (src/nn/moe.ts moeRouteWeights: Gemm logits -> TopK ->
 * Softmax over the k values -> ScatterElements into zeros) and the expert mix that uses it.
 * Float32: moeRouteWeights builds its zeros with ops.filledLike, which is float32 only (the ops
 * themselves have double kernels). The finite-difference step moves a logit by at most 1e-2, so
 * the inputs are chosen with every row's top-k set at least 0.1 away from changing (asserted).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backward, GRADIENTS } from "../../src/autodiff/index.js";
import { moeRouteWeights } from "../../src/nn/moe.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests, uniform } from "../onnx/helpers.js";
import { checkGradient } from "./finite-difference.js";

const engine = engineForTests();
const skip = GRADIENTS.has("", "Gemm") && GRADIENTS.has("", "Softmax") ? false : "needs Gemm and Softmax rules";

const [N, IN, E, R, OUT] = [3, 4, 4, 2, 3];
const X_SEED = 2;
const ROUTE_SEED = 23;

/** The smallest gap, over rows, between neighbouring sorted logits among the top k + 1. */
function smallestTopGap(x: Float32Array, route: Float32Array, k: number): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let n = 0; n < N; n++) {
    const logits = Array.from({ length: E }, (_, e) => {
      let s = 0;
      for (let i = 0; i < IN; i++) s += (x[n * IN + i] as number) * (route[e * IN + i] as number);
      return s;
    }).sort((a, b) => b - a);
    for (let j = 0; j < k; j++) gap = Math.min(gap, (logits[j] as number) - (logits[j + 1] as number));
  }
  return gap;
}

/** x [N, IN] -> the routing weights [N, E] and the experts' mix [N, OUT] as moeBranch forms it (scale 1, no base output). */
function routedMix(x: Value, route: Value, a: Value, b: Value, k: number): [Value, Value] {
  const weights = moeRouteWeights(x, route, k);
  const h = ops.reshape(ops.gemmTransB(x, a, null), [-1, E, R]);
  const mixed = ops.reshape(ops.mul(h, ops.unsqueeze(weights, [2])), [-1, E * R]);
  return [weights, ops.gemmTransB(mixed, b, null)];
}

/** The gradients of <cotangent, mix> w.r.t. x and the router, run once. */
async function gradientsOfMix(k: number): Promise<{ x: Tensor; route: Tensor }> {
  const g = new Graph(`moe_top${k}`);
  const x = g.addInput("x", "f32", [N, IN]);
  const route = g.addInput("route", "f32", [E, IN]);
  const a = g.constant(tensor("f32", [E * R, IN], uniform(E * R * IN, 5)), "A");
  const b = g.constant(tensor("f32", [OUT, E * R], uniform(OUT * E * R, 6)), "B");
  const [, mix] = routedMix(x, route, a, b, k);
  const cotangent = g.constant(tensor("f32", [N, OUT], uniform(N * OUT, 7)), "cotangent");
  const [dx, dRoute] = backward(g, [{ value: mix, grad: cotangent }], [x, route]) as [Value, Value];
  g.addOutput(dx, "dx");
  g.addOutput(dRoute, "droute");
  const session = await engine.load(g);
  try {
    const feeds = { x: tensor("f32", [N, IN], uniform(N * IN, X_SEED)), route: tensor("f32", [E, IN], uniform(E * IN, ROUTE_SEED)) };
    const { outputs } = await session.run(feeds);
    return { x: outputs["dx"] as Tensor, route: outputs["droute"] as Tensor };
  } finally {
    await session.release();
  }
}

describe("gradient rules: MoE routing (TopK, Softmax, ScatterElements)", { skip }, () => {
  test("the inputs keep every row's top-k set fixed under the finite-difference step", () => {
    const gap = smallestTopGap(uniform(N * IN, X_SEED), uniform(E * IN, ROUTE_SEED), 2);
    assert.ok(gap > 0.1, `the top-2 logits are only ${gap} apart`);
  });

  for (const k of [2, 1]) {
    test(`top-${k} of ${E} experts: routing weights and expert mix against finite differences`, async () => {
      await checkGradient(engine, {
        name: `moe_top${k}`,
        dtype: "f32",
        inputs: {
          x: { dims: [N, IN], seed: X_SEED },
          route: { dims: [E, IN], seed: ROUTE_SEED },
          a: { dims: [E * R, IN], seed: 5 },
          b: { dims: [OUT, E * R], seed: 6 },
        },
        build: ({ x, route, a, b }) => routedMix(x!, route!, a!, b!, k),
      });
    });
  }

  test("top-2: the router gets a nonzero gradient", async () => {
    const grads = await gradientsOfMix(2);
    assert.ok(
      Array.from(grads.route.data as Float32Array).some((v) => Math.abs(v) > 1e-3),
      "the router gradient is zero",
    );
  });

  test("top-1: the softmax of one value is 1, so the router gradient is exactly zero (as in torch); x still gets one", async () => {
    const grads = await gradientsOfMix(1);
    const route = Array.from(grads.route.data as Float32Array);
    assert.ok(
      route.every((v) => v === 0),
      `the router gradient is [${route}]`,
    );
    assert.ok(
      Array.from(grads.x.data as Float32Array).some((v) => Math.abs(v) > 1e-3),
      "the gradient of x is zero",
    );
  });
});
