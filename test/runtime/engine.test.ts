/** The engine: runs happen off the caller's thread, and one engine serves several sessions. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { assertClose, engineForTests, outF32, randT } from "../onnx/helpers.js";

const engine = engineForTests();

/** `count` MatMuls of a [n, n] input by an [n, n] averaging matrix: all-ones in, all-ones out. */
function slowGraph(count: number, n = 1024): Graph {
  const g = new Graph("slow");
  let x: Value = g.addInput("x", "f32", [n, n]);
  const w = g.constant(tensor("f32", [n, n], new Float32Array(n * n).fill(1 / n)), "w");
  for (let i = 0; i < count; i++) x = ops.matmul(x, w);
  g.addOutput(x, "y");
  return g;
}

describe("the event loop stays free during a run", () => {
  test("a 10 ms interval keeps firing while a long run is pending", async () => {
    const n = 1024;
    const session = await engine.load(slowGraph(48, n));
    const x = tensor("f32", [n, n], new Float32Array(n * n).fill(1));
    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const start = performance.now();
    const result = await session.run({ x });
    const elapsed = performance.now() - start;
    clearInterval(timer);
    await session.release();

    const y = outF32(result.outputs, "y", [n, n]);
    assertClose([y[0] as number, y[n * n - 1] as number], [1, 1], "averaging chain", { rtol: 1e-5 });
    assert.ok(elapsed >= 150, `the run took ${elapsed.toFixed(0)} ms: too short to show anything`);
    // A blocked loop would fire 0-1 times; allow for a busy 2-core machine.
    const expected = elapsed / 10;
    assert.ok(ticks >= expected / 4, `${ticks} ticks in ${elapsed.toFixed(0)} ms (run ${result.ms.toFixed(0)} ms)`);
    assert.ok(longestGap < Math.max(100, elapsed / 3), `longest gap between ticks ${longestGap.toFixed(0)} ms in ${elapsed.toFixed(0)} ms`);
  });
});

describe("several sessions on one engine", () => {
  test("three different graphs, loaded together and run concurrently and interleaved", async () => {
    const ga = new Graph("plus_one");
    ga.addOutput(ops.add(ga.addInput("x", "f32", ["N"]), 1), "y");
    const w = randT([4, 2], 11);
    const gb = new Graph("project");
    gb.addOutput(ops.matmul(gb.addInput("x", "f32", ["M", 4]), gb.constant(w)), "y");
    const gc = new Graph("soft");
    gc.addOutput(ops.softmax(gc.addInput("x", "f32", [3])), "p");

    const [sa, sb, sc] = await Promise.all([engine.load(ga), engine.load(gb), engine.load(gc)]);
    assert.deepEqual([sa.graph, sb.graph, sc.graph], ["plus_one", "project", "soft"]);

    const checkA = async (seed: number): Promise<void> => {
      const x = randT([5], seed);
      const { outputs } = await sa.run({ x });
      assert.deepEqual(
        Array.from(outF32(outputs, "y", [5])),
        Array.from(x.data, (v) => Math.fround(v + 1)),
      );
    };
    const checkB = async (seed: number): Promise<void> => {
      const x = randT([3, 4], seed);
      const { outputs } = await sb.run({ x });
      const want = Array.from({ length: 6 }, (_, i) => {
        const [r, c] = [Math.floor(i / 2), i % 2];
        return [0, 1, 2, 3].reduce((s, k) => s + (x.data[r * 4 + k] as number) * (w.data[k * 2 + c] as number), 0);
      });
      assertClose(outF32(outputs, "y", [3, 2]), want, "project", { atol: 1e-6 });
    };
    const checkC = async (): Promise<void> => {
      const { outputs } = await sc.run({ x: tensor("f32", [3], Float32Array.from([0, Math.log(2), Math.log(5)])) });
      assertClose(outF32(outputs, "p", [3]), [1 / 8, 2 / 8, 5 / 8], "softmax");
    };

    await Promise.all([checkA(1), checkB(2), checkC(), checkA(3), checkB(4), checkC()]);
    for (let i = 0; i < 3; i++) {
      await checkC();
      await checkA(10 + i);
      await checkB(20 + i);
    }
    // Releasing one session leaves the others working.
    await sb.release();
    await Promise.all([checkA(30), checkC()]);
    await Promise.all([sa.release(), sc.release()]);
  });
});
