/** Embedding: rows of weight [num, dim] picked by i64 ids of any shape. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Embedding } from "../../src/nn/embedding.js";
import { Graph } from "../../src/onnx/index.js";
import { engineForTests, i64t, outF32, randT, runOnce } from "../onnx/helpers.js";
import { contextOver } from "./helpers.js";

const engine = engineForTests();

describe("Embedding", () => {
  test("ids [B, T] -> [B, T, dim], each row copied exactly", async () => {
    const emb = new Embedding("tok", 7, 3);
    assert.deepEqual(emb.parameters(), [{ path: "tok.weight", shape: [7, 3] }]);
    const weight = randT([7, 3], 1);
    const g = new Graph("emb");
    const y = emb.forward(contextOver(g, { "tok.weight": weight }), g.addInput("ids", "i64", ["B", "T"]));
    assert.deepEqual(y.shape, ["B", "T", 3]);
    g.addOutput(y, "y");
    const ids = [6, 0, 3, 3, 1, 5];
    const out = outF32(await runOnce(engine, g, { ids: i64t([2, 3], ids) }), "y", [2, 3, 3]);
    assert.deepEqual(
      Array.from(out),
      ids.flatMap((id) => Array.from(weight.data.subarray(id * 3, id * 3 + 3))),
    );
  });
});
