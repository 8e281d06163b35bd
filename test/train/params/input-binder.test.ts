/** InputParams: the chosen parameters become float32 graph inputs named by their path, the rest come from the frozen binder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InlineParams } from "../../../src/components/params/load-params.js";
import { Graph } from "../../../src/onnx/index.js";
import { tensor } from "../../../src/tensor.js";
import { InputParams } from "../../../src/train/params/input-binder.js";

test("trainable parameters are graph inputs, the others initializers of the frozen binder", () => {
  const frozen = new InlineParams(new Map([["conv.bias", tensor("f32", [4])]]));
  const binder = new InputParams(new Set(["conv.weight"]), frozen);
  const g = new Graph("bind");
  const weight = binder.bind(g, { path: "conv.weight", shape: [4, 3, 3, 3] });
  const bias = binder.bind(g, { path: "conv.bias", shape: [4] });
  assert.deepEqual(
    g.inputs.map((v) => [v.name, v.dtype, v.shape]),
    [["conv.weight", "f32", [4, 3, 3, 3]]],
  );
  assert.ok(g.initializers.has(bias.name));
  assert.ok(!g.initializers.has(weight.name));
  assert.deepEqual([...binder.inputs().keys()], ["conv.weight"]);
  assert.equal(binder.inputs().get("conv.weight"), weight);
});
