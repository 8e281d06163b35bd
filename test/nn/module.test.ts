/** Module trees (paths = checkpoint keys) and BuildContext (binding once, shape checks, ones, taps). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BuildContext, joinPath, Module, type ParamSpec } from "../../src/nn/module.js";
import { Graph, GraphBuildError } from "../../src/onnx/index.js";
import { tensor } from "../../src/tensor.js";
import { mapBinder } from "./helpers.js";

class Leaf extends Module {
  readonly weight: ParamSpec;
  constructor(path: string, size: number) {
    super(path);
    this.weight = this.param("weight", [size, 2]);
  }
}

class Tree extends Module {
  readonly left: Leaf;
  readonly right: Leaf;
  readonly bias: ParamSpec;
  constructor(path: string) {
    super(path);
    this.bias = this.param("bias", [2]);
    this.left = this.child(new Leaf(this.sub("blocks.0"), 3));
    this.right = this.child(new Leaf(this.sub("blocks.1"), 4));
  }
}

describe("Module", () => {
  test("parameter paths join the module path; parameters() and walk() go depth first in declaration order", () => {
    const tree = new Tree("model");
    assert.deepEqual(tree.parameters(), [
      { path: "model.bias", shape: [2] },
      { path: "model.blocks.0.weight", shape: [3, 2] },
      { path: "model.blocks.1.weight", shape: [4, 2] },
    ]);
    assert.deepEqual(
      [...tree.walk()].map((m) => m.path),
      ["model", "model.blocks.0", "model.blocks.1"],
    );
    assert.deepEqual(new Tree("").parameters()[0], { path: "bias", shape: [2] });
    assert.equal(joinPath("", "x"), "x");
    assert.equal(joinPath("a.b", "x"), "a.b.x");
  });

  test("a parameter with a non-positive or fractional size is refused, naming it", () => {
    assert.throws(
      () => new Leaf("bad", 0),
      (e: unknown) => e instanceof GraphBuildError && /parameter bad\.weight: invalid shape \[0,2\]/.test(e.message),
    );
    assert.throws(() => new Leaf("bad", 1.5), GraphBuildError);
  });
});

describe("BuildContext", () => {
  test("binds each parameter once, checks the bound shape, shares ones vectors and records only requested taps", () => {
    const tree = new Tree("m");
    const g = new Graph("ctx");
    let binds = 0;
    const inner = mapBinder(
      new Map([
        ["m.bias", tensor("f32", [2])],
        ["m.blocks.0.weight", tensor("f32", [3, 3])],
      ]),
    );
    const ctx = new BuildContext(g, { bind: (graph, spec) => (binds++, inner.bind(graph, spec)) }, new Set(["wanted"]));
    const bias = ctx.param(tree.bias);
    assert.equal(ctx.param(tree.bias), bias);
    assert.equal(binds, 1);
    assert.throws(() => ctx.param(tree.left.weight), /parameter m\.blocks\.0\.weight: bound value has shape \[3,3\], expected \[3,2\]/);
    assert.equal(ctx.quantized(tree.left.weight), null);
    const ones = ctx.ones(4);
    assert.equal(ctx.ones(4), ones);
    const init = g.initializers.get(ones.name);
    assert.ok(init && init.data.kind === "inline");
    assert.deepEqual([ones.shape, Array.from(init.data.tensor.data as Float32Array)], [[4], [1, 1, 1, 1]]);
    assert.equal(ctx.tap("wanted", bias), bias);
    ctx.tap("other", bias);
    assert.deepEqual([...ctx.taps.keys()], ["wanted"]);
  });
});
