import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chooseEditMethod, EditMethodError, type ModelClues } from "../../src/api/edit-method.js";
import { FLUX_FILL_DEV, type FluxParams } from "../../src/models/flux/params.js";

const FILL = FLUX_FILL_DEV;
const DEV: FluxParams = { ...FLUX_FILL_DEV, inChannels: 64 };
const clues = (flux: FluxParams, more: Partial<ModelClues> = {}): ModelClues => ({
  model: "m",
  flux,
  pipelineClass: null,
  names: [],
  ...more,
});

describe("which editing method a model runs", () => {
  it("FLUX.1 Fill edits with ICEdit, and cannot run Kontext", () => {
    assert.equal(chooseEditMethod(clues(FILL, { pipelineClass: "FluxFillPipeline" })), "icedit");
    assert.equal(chooseEditMethod(clues(FILL), "icedit"), "icedit");
    assert.throws(
      () => chooseEditMethod(clues(FILL), "kontext"),
      (e: Error) => e instanceof EditMethodError && /384/.test(e.message),
    );
  });

  it("64 channels edit with Kontext when the folder or a name says Kontext, or when asked", () => {
    assert.equal(chooseEditMethod(clues(DEV, { pipelineClass: "FluxKontextPipeline" })), "kontext");
    assert.equal(chooseEditMethod(clues(DEV, { names: ["black-forest-labs/FLUX.1-Kontext-dev"] })), "kontext");
    assert.equal(chooseEditMethod(clues(DEV, { names: [undefined, "models", "flux1-kontext-dev-Q8_0.gguf"] })), "kontext");
    assert.equal(chooseEditMethod(clues(DEV, { names: ["my-finetune.safetensors"] }), "kontext"), "kontext");
  });

  it("plain FLUX.1 dev refuses and says which models edit and how to mark a Kontext file", () => {
    assert.throws(
      () =>
        chooseEditMethod(clues(DEV, { pipelineClass: "FluxPipeline", names: ["black-forest-labs/FLUX.1-dev", "flux1-dev.safetensors"] })),
      (e: Error) =>
        e instanceof EditMethodError &&
        /FLUX\.1 Fill \[dev\]/.test(e.message) &&
        /Kontext \[dev\]/.test(e.message) &&
        /--method kontext/.test(e.message),
    );
    assert.throws(() => chooseEditMethod(clues(DEV, { pipelineClass: "FluxKontextPipeline" }), "icedit"), /ICEdit needs FLUX\.1 Fill/);
  });

  it("refuses FLUX.1 schnell and other channel counts", () => {
    assert.throws(() => chooseEditMethod(clues({ ...DEV, guidanceEmbed: false }, { names: ["kontext"] })), /guidance embedder/);
    assert.throws(() => chooseEditMethod(clues({ ...DEV, inChannels: 128 })), /128 input channels/);
    assert.throws(() => chooseEditMethod(clues(FILL), "other" as "icedit"), /method must be one of icedit, kontext/);
  });
});
