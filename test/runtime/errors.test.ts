/** RunError, SessionCreateError, ProviderUnavailableError and released sessions. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IceditError } from "../../src/errors.js";
import { Graph, OPS, ops } from "../../src/onnx/index.js";
import { ProviderUnavailableError, RunError, RuntimeError, SessionCreateError } from "../../src/runtime/index.js";
import { engineForTests, i64t, outF32, randT } from "../onnx/helpers.js";

const engine = engineForTests();

describe("RunError", () => {
  test("ONNX Runtime failing at run time (Reshape to an incompatible runtime shape) is a RunError naming the graph", async () => {
    const g = new Graph("run_fail");
    const x = g.addInput("x", "f32", ["N"]);
    const shape = g.addInput("target", "i64", [2]);
    g.addOutput(ops.reshapeTo(x, shape, ["R", "C"]), "y");
    const session = await engine.load(g);
    const data = randT([6], 1);
    await assert.rejects(session.run({ x: data, target: i64t([2], [4, 2]) }), (e: unknown) => {
      assert.ok(e instanceof RunError, `want RunError, got ${String(e)}`);
      assert.ok(e instanceof RuntimeError && e instanceof IceditError);
      assert.equal(e.graph, "run_fail");
      assert.match(e.message, /run_fail/);
      assert.match(e.message, /Reshape/);
      return true;
    });
    // The session survives the failure: a compatible target runs.
    const { outputs } = await session.run({ x: data, target: i64t([2], [2, 3]) });
    assert.deepEqual(outF32(outputs, "y", [2, 3]), data.data);
    await session.release();
  });

  test("a released session cannot run: RunError naming the graph", async () => {
    const g = new Graph("released");
    g.addOutput(ops.neg(g.addInput("x", "f32", [2])), "y");
    const session = await engine.load(g);
    await session.run({ x: randT([2], 2) });
    await session.release();
    await assert.rejects(
      session.run({ x: randT([2], 2) }),
      (e: unknown) => e instanceof RunError && e.graph === "released" && /released/.test(e.message),
    );
  });
});

describe("RunError.input", () => {
  // ORT's messages here name no graph input; input names that merely occur inside other words
  // ("x" in "onnxruntime", "a" in "was released") must not be reported as the culprit.
  test("is null for a Reshape failure whose message only contains 'x' inside 'onnxruntime'", async () => {
    const g = new Graph("run_fail_x");
    const x = g.addInput("x", "f32", ["N"]);
    g.addOutput(ops.reshapeTo(x, g.addInput("target", "i64", [2]), ["R", "C"]), "y");
    const session = await engine.load(g);
    await assert.rejects(session.run({ x: randT([6], 4), target: i64t([2], [4, 2]) }), (e: unknown) => {
      assert.ok(e instanceof RunError);
      assert.equal(e.input, null, `RunError.input is ${String(e.input)} for: ${e.message}`);
      assert.doesNotMatch(e.message, /\(input x\)/);
      return true;
    });
    await session.release();
  });

  test("is null for a released session whose input is called 'a'", async () => {
    const g = new Graph("released_a");
    g.addOutput(ops.neg(g.addInput("a", "f32", [2])), "y");
    const session = await engine.load(g);
    await session.release();
    await assert.rejects(session.run({ a: randT([2], 5) }), (e: unknown) => {
      assert.ok(e instanceof RunError);
      assert.equal(e.input, null, `RunError.input is ${String(e.input)} for: ${e.message}`);
      return true;
    });
  });
});

describe("SessionCreateError", () => {
  test("a node with an unknown op type", async () => {
    // The graph IR refuses unregistered ops, so the test registers one ONNX Runtime does not know.
    const g = new Graph("broken", OPS.with([{ domain: "", opType: "NoSuchOp", outputs: () => [{ dtype: "f32", shape: [2] }] }]));
    const x = g.addInput("x", "f32", [2]);
    const [y] = g.addNode("NoSuchOp", [x], {});
    g.addOutput(y!, "y");
    await assert.rejects(engine.load(g), (e: unknown) => {
      assert.ok(e instanceof SessionCreateError, `want SessionCreateError, got ${String(e)}`);
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.graph, "broken");
      assert.match(e.message, /graph broken/);
      assert.match(e.message, /NoSuchOp/);
      return true;
    });
  });

  test("the engine still works after a failed load", async () => {
    const g = new Graph("after_broken");
    g.addOutput(ops.mul(g.addInput("x", "f32", [3]), 2), "y");
    const s = await engine.load(g);
    const x = randT([3], 3);
    assert.deepEqual(
      Array.from(outF32((await s.run({ x })).outputs, "y", [3])),
      Array.from(x.data, (v) => 2 * v),
    );
    await s.release();
  });
});

describe("ProviderUnavailableError", () => {
  test("cuda (not installed here) says how to install it", async () => {
    const g = new Graph("on_cuda");
    g.addOutput(ops.neg(g.addInput("x", "f32", [2])), "y");
    await assert.rejects(engine.load(g, { executionProvider: "cuda" }), (e: unknown) => {
      assert.ok(
        e instanceof ProviderUnavailableError,
        `want ProviderUnavailableError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
      assert.match(e.message, /cuda/);
      assert.match(e.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
      return true;
    });
  });

  test("the cpu provider is always available", async () => {
    assert.ok((await engine.availableProviders()).includes("cpu"));
  });
});
