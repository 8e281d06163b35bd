/** Feed checks: every mistake in a feed is a FeedError naming the graph and the input, before ORT runs. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IceditError } from "../../src/errors.js";
import { Graph, ops } from "../../src/onnx/index.js";
import { Engine, FeedError, RuntimeError, type Session } from "../../src/runtime/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { f32t, outF32, randT } from "../onnx/helpers.js";

let engine: Engine;
let session: Session;

before(async () => {
  engine = new Engine();
  const g = new Graph("feeds");
  const alpha = g.addInput("alpha", "f32", ["B", 3]);
  const beta = g.addInput("beta", "f32", ["B", 4]);
  g.addOutput(ops.add(alpha, 1), "y1");
  g.addOutput(ops.mul(beta, 2), "y2");
  session = await engine.load(g);
});
after(() => engine.close());

const alpha = randT([2, 3], 1);
const beta = randT([2, 4], 2);

async function rejectsWith(feeds: Record<string, Tensor>, input: string, pattern: RegExp): Promise<void> {
  await assert.rejects(session.run(feeds), (e: unknown) => {
    assert.ok(e instanceof FeedError, `want FeedError, got ${String(e)}`);
    assert.ok(e instanceof RuntimeError && e instanceof IceditError);
    assert.equal(e.graph, "feeds");
    assert.equal(e.input, input);
    assert.match(e.message, /graph feeds/);
    assert.ok(e.message.includes(input), `message names the input ${input}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("FeedError", () => {
  test("a valid feed runs, with any size for the symbolic dim", async () => {
    for (const b of [2, 5]) {
      const { outputs } = await session.run({ alpha: randT([b, 3], 3), beta: randT([b, 4], 4) });
      assert.deepEqual(outputs["y1"]?.dims, [b, 3]);
      assert.deepEqual(outputs["y2"]?.dims, [b, 4]);
    }
  });

  test("a missing input", async () => {
    await rejectsWith({ alpha }, "beta", /missing/);
  });

  test("an unknown input (the message lists the real ones)", async () => {
    await rejectsWith({ alpha, beta, gamma: alpha }, "gamma", /alpha, beta/);
  });

  test("a wrong dtype", async () => {
    await rejectsWith({ alpha: tensor("f64", [2, 3], new Float64Array(6)), beta }, "alpha", /f32.*f64/);
  });

  test("a wrong rank", async () => {
    await rejectsWith({ alpha: tensor("f32", [2, 3, 1]), beta }, "alpha", /\[B, 3\].*\[2, 3, 1\]/);
  });

  test("a wrong static dim", async () => {
    await rejectsWith({ alpha, beta: tensor("f32", [2, 5]) }, "beta", /\[B, 4\].*\[2, 5\]/);
  });

  test("a symbolic dim with two sizes across inputs", async () => {
    await rejectsWith({ alpha, beta: tensor("f32", [5, 4]) }, "beta", /dimension B is 2 in input alpha but 5 in input beta/);
  });

  test("the session still runs correctly after rejected feeds", async () => {
    const { outputs } = await session.run({ alpha, beta });
    assert.deepEqual(
      Array.from(outF32(outputs, "y1", [2, 3])),
      Array.from(alpha.data, (v) => Math.fround(v + 1)),
    );
    assert.deepEqual(
      Array.from(outF32(outputs, "y2", [2, 4])),
      Array.from(beta.data, (v) => 2 * v),
    );
  });

  test("checkFeeds is synchronous and needs no worker round trip", () => {
    assert.throws(() => session.checkFeeds({ alpha: f32t([2, 3], [1, 2, 3, 4, 5, 6]) }), FeedError);
    assert.doesNotThrow(() => session.checkFeeds({ alpha, beta }));
  });
});
