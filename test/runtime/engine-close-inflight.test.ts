/**
 * engine.close() while a run is inside ONNX Runtime: the pending run rejects with
 * EngineClosedError and the process lives on. (Its own file: when this goes wrong the whole
 * process aborts, which would take other tests with it.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { EngineClosedError } from "../../src/runtime/index.js";
import { tensor } from "../../src/tensor.js";
import { engineForTests } from "../onnx/helpers.js";

const engine = engineForTests();

test("closing during a long run rejects the run and does not abort the process", async () => {
  const n = 1024;
  const g = new Graph("slow_at_close");
  let v: Value = g.addInput("x", "f32", [n, n]);
  const w = g.constant(tensor("f32", [n, n], new Float32Array(n * n).fill(1 / n)), "w");
  for (let i = 0; i < 32; i++) v = ops.matmul(v, w);
  g.addOutput(v, "y");
  const session = await engine.load(g);
  const x = tensor("f32", [n, n], new Float32Array(n * n).fill(1));
  const started = performance.now();
  await session.run({ x }); // warm-up; also measures how long a run takes here
  const runMs = performance.now() - started;

  // The handler is attached at once, so the rejection is never unhandled.
  const pending = assert.rejects(session.run({ x }), EngineClosedError);
  await sleep(Math.min(100, runMs / 3)); // the run is now inside session.run in the worker
  await engine.close();
  await pending;
  await sleep(50);
  await assert.rejects(session.run({ x }), EngineClosedError);
});
