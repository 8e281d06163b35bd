import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Flux } from "../../../src/models/flux/model.js";
import { GOLDEN_T1, type FluxParams } from "../../../src/models/flux/params.js";
import { DEMO_FLUX } from "../../../src/demo/make-demo-model.js";
import { inferFluxParams } from "../../../src/components/flux/sizes.js";
import { MissingTensorError } from "../../../src/weights/errors.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { tensor, type Tensor } from "../../../src/tensor.js";

/** Zero tensors with every parameter's shape: only the shapes are read. */
function shapesOf(params: FluxParams): Map<string, Tensor<"f32">> {
  return new Map(new Flux(params).parameters().map((p) => [p.path, tensor("f32", p.shape)]));
}

describe("inferFluxParams", () => {
  for (const [name, params] of [
    ["golden T1", GOLDEN_T1],
    ["demo", DEMO_FLUX],
  ] as const) {
    it(`reads the ${name} sizes back from a BFL checkpoint's tensor shapes`, () => {
      assert.deepEqual(inferFluxParams(memorySource(shapesOf(params))), params);
    });
  }

  it("says what is missing when the hidden size cannot be read", () => {
    const tensors = shapesOf(GOLDEN_T1);
    tensors.delete("img_in.weight");
    assert.throws(
      () => inferFluxParams(memorySource(tensors, "t.safetensors")),
      (e: unknown) => e instanceof MissingTensorError && /img_in\.weight/.test(e.message),
    );
  });
});
