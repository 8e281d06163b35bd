/** The session pool: loads on demand, evicts least recently used idle components to fit its budget, never a running one. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Graph, ops } from "../../src/onnx/index.js";
import { SessionPool, SessionReleasedError, type PoolEvent, type RunnableSession, type RunResult } from "../../src/runtime/index.js";
import { tensor } from "../../src/tensor.js";
import { engineForTests, outF32 } from "../onnx/helpers.js";

/** A session that answers y = [its id] and can be held inside run() until `open()` is called. */
function fakeSession(id: number, gate?: Promise<void>): RunnableSession & { released: boolean } {
  const session = {
    released: false,
    async run(): Promise<RunResult> {
      if (session.released) throw new Error("ran after release");
      await gate;
      return { outputs: { y: tensor("f32", [1], Float32Array.of(id)) }, ms: 0 };
    },
    async release(): Promise<void> {
      session.released = true;
    },
  };
  return session;
}

function trace(events: readonly PoolEvent[]): string[] {
  return events.map((e) => `${e.kind} ${e.component}`);
}

const x = tensor("f32", [1], Float32Array.of(0));

describe("SessionPool with fake sessions", () => {
  test("loads on first run, evicts the least recently used idle component to fit the budget", async () => {
    const pool = new SessionPool(100);
    const a = pool.register("a", 40, async () => fakeSession(1));
    const b = pool.register("b", 40, async () => fakeSession(2));
    const c = pool.register("c", 40, async () => fakeSession(3));
    assert.deepEqual(pool.loaded(), [], "nothing is loaded before a run");
    await a.run({ x });
    await b.run({ x });
    assert.deepEqual(pool.loaded(), ["a", "b"]);
    await c.run({ x }); // 120 > 100: a, the least recently used, goes
    assert.deepEqual(pool.loaded(), ["b", "c"]);
    await b.run({ x }); // loaded: no event; b is now the most recent
    await a.run({ x }); // c is now the least recently used
    assert.deepEqual(pool.loaded(), ["b", "a"]);
    assert.deepEqual(trace(pool.events), ["load a", "load b", "evict a", "load c", "evict c", "load a"]);
    assert.equal(pool.residentBytes(), 80);
    assert.ok(pool.events.every((e) => e.residentBytes <= 100 && e.overBudget === undefined));
    await pool.close();
    assert.deepEqual(trace(pool.events).slice(-2).sort(), ["release a", "release b"]);
  });

  test("never evicts a running component: the newcomer loads over budget and says so", async () => {
    const pool = new SessionPool(50);
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = fakeSession(1, gate);
    const a = pool.register("a", 40, async () => slow);
    const b = pool.register("b", 40, async () => fakeSession(2));
    const running = a.run({ x });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { outputs } = await b.run({ x });
    assert.deepEqual(Array.from(outputs["y"]!.data as Float32Array), [2]);
    assert.equal(slow.released, false, "a was running: not evicted");
    const loadB = pool.events.find((e) => e.kind === "load" && e.component === "b");
    assert.equal(loadB?.overBudget, true);
    assert.equal(loadB?.residentBytes, 80);
    open();
    await running;
    await a.run({ x }); // a is loaded: it runs without a load, and b (idle, older) makes room
    assert.deepEqual(trace(pool.events), ["load a", "load b", "evict b"]);
    await pool.close();
  });

  test("a changed cost applies at the next run; a released component cannot run", async () => {
    const pool = new SessionPool(100);
    const a = pool.register("a", 30, async () => fakeSession(1));
    const b = pool.register("b", 30, async () => fakeSession(2));
    await pool.preload();
    assert.deepEqual(pool.loaded(), ["a", "b"]);
    pool.setBytes("b", 90);
    await b.run({ x }); // 30 + 90 > 100: a goes
    assert.deepEqual(pool.loaded(), ["b"]);
    await a.release();
    await assert.rejects(a.run({ x }), SessionReleasedError);
    assert.throws(() => pool.register("b", 1, async () => fakeSession(3)), /already registered/);
    await pool.close();
    await assert.rejects(b.run({ x }), SessionReleasedError);
  });

  test("a failed load leaves the component unloaded, and the next run tries again", async () => {
    const pool = new SessionPool(100);
    let tries = 0;
    const a = pool.register("a", 10, async () => {
      if (++tries === 1) throw new Error("disk hiccup");
      return fakeSession(1);
    });
    await assert.rejects(a.run({ x }), /disk hiccup/);
    assert.deepEqual(pool.loaded(), []);
    await a.run({ x });
    assert.deepEqual(trace(pool.events), ["load a"]);
    await pool.close();
  });
});

describe("SessionPool with ONNX Runtime sessions", () => {
  const engine = engineForTests();

  test("a component reloaded after its eviction gives the same output", async () => {
    const plusOne = new Graph("plus_one");
    plusOne.addOutput(ops.add(plusOne.addInput("x", "f32", ["N"]), 1), "y");
    const double = new Graph("double");
    double.addOutput(ops.mul(double.addInput("x", "f32", ["N"]), 2), "y");
    const pool = new SessionPool(1);
    const p = pool.register("plus_one", 1, () => engine.load(plusOne));
    const d = pool.register("double", 1, () => engine.load(double));
    const input = tensor("f32", [3], Float32Array.of(-1.5, 0.25, 7));
    const first = outF32((await p.run({ x: input })).outputs, "y", [3]);
    assert.deepEqual(Array.from(outF32((await d.run({ x: input })).outputs, "y", [3])), [-3, 0.5, 14]);
    const again = outF32((await p.run({ x: input })).outputs, "y", [3]);
    assert.deepEqual(Array.from(first), [-0.5, 1.25, 8]);
    assert.deepEqual(Array.from(again), Array.from(first));
    assert.deepEqual(trace(pool.events), ["load plus_one", "evict plus_one", "load double", "evict double", "load plus_one"]);
    await pool.close();
  });
});
