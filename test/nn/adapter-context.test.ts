/** AdapterBuildContext: a Linear hands its site, flattened input and base output to the context's adapters. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdapterBuildContext, adaptersOf, type LinearAdapters, type LinearSite } from "../../src/nn/adapter-context.js";
import { Linear } from "../../src/nn/linear.js";
import { BuildContext } from "../../src/nn/module.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { mapBinder, matmulRef, transposeRef } from "./helpers.js";

const engine = engineForTests();

/** Records each call and adds 10 * x[:, 0] to every output (a branch with a known effect). */
class Recorder implements LinearAdapters {
  readonly calls: {
    site: LinearSite;
    x: readonly (string | number)[];
    y: readonly (string | number)[];
    input: readonly (string | number)[];
  }[] = [];
  apply(_ctx: BuildContext, site: LinearSite, x: Value, y: Value, input: Value): Value {
    this.calls.push({
      site: { path: site.path, inFeatures: site.inFeatures, outFeatures: site.outFeatures },
      x: x.shape,
      y: y.shape,
      input: input.shape,
    });
    return ops.add(y, ops.mul(ops.slice(x, 1, 0, 1), 10));
  }
}

describe("AdapterBuildContext", () => {
  test("adaptersOf finds the adapters; Linear calls them once with [N, in], [N, out] and the unflattened input", async () => {
    const w = randT([2, 3], 1);
    const g = new Graph("hook");
    const recorder = new Recorder();
    const binder = mapBinder(new Map([["fc.weight", w]]));
    const ctx = new AdapterBuildContext(g, binder, new Set(), recorder);
    assert.equal(adaptersOf(ctx), recorder);
    assert.equal(adaptersOf(new BuildContext(g, binder)), null);
    g.addOutput(new Linear("fc", 3, 2, false).forward(ctx, g.addInput("x", "f32", ["B", "L", 3])), "y");
    assert.equal(recorder.calls.length, 1);
    assert.deepEqual(recorder.calls[0], {
      site: { path: "fc", inFeatures: 3, outFeatures: 2 },
      x: ["B*L", 3],
      y: ["B*L", 2],
      input: ["B", "L", 3],
    });
    const x = randT([2, 2, 3], 2);
    const base = matmulRef(x.data, transposeRef(w.data, 2, 3), 4, 3, 2);
    const want = base.map((v, i) => v + 10 * (x.data[Math.floor(i / 2) * 3] as number));
    assertClose(outF32(await runOnce(engine, g, { x }), "y", [2, 2, 2]), want, "y", { rtol: 1e-5, atol: 1e-5 });
  });
});
