/** engine.close() with no run in flight: later runs and loads reject with EngineClosedError. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Graph, ops } from "../../src/onnx/index.js";
import { EngineClosedError } from "../../src/runtime/index.js";
import { engineForTests, randT } from "../onnx/helpers.js";

const engine = engineForTests();

test("after close, runs and loads reject with EngineClosedError; close is idempotent", async () => {
  const g = new Graph("before_close");
  g.addOutput(ops.neg(g.addInput("x", "f32", [2])), "y");
  const session = await engine.load(g);
  const x = randT([2], 1);
  assert.deepEqual(
    Array.from((await session.run({ x })).outputs["y"]!.data as Float32Array),
    Array.from(x.data, (v) => -v),
  );

  await engine.close();
  await assert.rejects(session.run({ x }), (e: unknown) => e instanceof EngineClosedError && /closed/.test(e.message));
  await assert.rejects(engine.load(g), EngineClosedError);
  await assert.rejects(session.release(), EngineClosedError);
  await engine.close();
});
