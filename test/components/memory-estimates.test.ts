/** Memory estimates against closed-form counts. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Linear } from "../../src/nn/linear.js";
import { FLUX_VAE } from "../../src/models/vae/params.js";
import { FLUX_FILL_DEV } from "../../src/models/flux/params.js";
import { T5_V1_1_XXL } from "../../src/models/t5/config.js";
import { CLIP_L_TEXT } from "../../src/models/clip/config.js";
import {
  activationBytes,
  DEFAULT_WORK,
  fluxStageBytes,
  nbitsBytesPerWeight,
  parameterBytes,
  weightBytes,
  type ModelSizes,
} from "../../src/components/memory-estimates.js";
import { precisionOf } from "../../src/components/precision.js";

const REAL: ModelSizes = { flux: FLUX_FILL_DEV, vae: FLUX_VAE, t5: T5_V1_1_XXL, clip: CLIP_L_TEXT, t5Length: 512, clipLength: 77 };

describe("memory estimates", () => {
  test("MatMulNBits: the codes plus one float32 scale per block", () => {
    assert.equal(nbitsBytesPerWeight({ kind: "int8", blockSize: 32 }), 1 + 4 / 32);
    assert.equal(nbitsBytesPerWeight({ kind: "int4", blockSize: 32 }), 0.5 + 4 / 32);
    assert.equal(nbitsBytesPerWeight({ kind: "int4", blockSize: 128 }), 0.5 + 4 / 128);
  });

  test("a Linear: float32 weight and bias, or packed weight and float32 bias", () => {
    const layer = new Linear("proj", 64, 32, true);
    assert.equal(parameterBytes(layer, layer.parameters()), 4 * (64 * 32 + 32));
    assert.equal(parameterBytes(layer, layer.parameters(), precisionOf("int8")), 64 * 32 * 1.125 + 4 * 32);
    assert.equal(
      parameterBytes(layer, layer.parameters(), precisionOf("int8"), () => true),
      4 * (64 * 32 + 32),
      "kept in float",
    );
  });

  test("the real model's sizes: FLUX.1 Fill about 11.9 B parameters, T5-XXL about 4.8 B, CLIP-L about 123 M; int8: 12-13 GiB and 5.2-5.5 GiB (the float embedding included)", () => {
    const f32 = weightBytes(REAL);
    const params = (bytes: number): number => bytes / 4;
    assert.ok(Math.abs(params(f32.transformer) / 11.9e9 - 1) < 0.01, `${params(f32.transformer)}`);
    assert.ok(Math.abs(params(f32.text_encoder_2) / 4.76e9 - 1) < 0.01, `${params(f32.text_encoder_2)}`);
    assert.ok(Math.abs(params(f32.text_encoder) / 123e6 - 1) < 0.01, `${params(f32.text_encoder)}`);
    const int8 = weightBytes(REAL, { precision: precisionOf("int8") });
    assert.ok(int8.transformer / 2 ** 30 > 12 && int8.transformer / 2 ** 30 < 13, `int8 transformer ${int8.transformer / 2 ** 30} GiB`);
    assert.ok(int8.text_encoder_2 / 2 ** 30 > 5.2 && int8.text_encoder_2 / 2 ** 30 < 5.5, `int8 T5 ${int8.text_encoder_2 / 2 ** 30} GiB`);
    assert.equal(int8.vae_decoder, f32.vae_decoder, "the VAE is never quantized");
  });

  test("activations at ICEdit's 1024x512 diptych, by the documented formulas", () => {
    const a = activationBytes(REAL, DEFAULT_WORK);
    assert.equal(a.vae_decoder, 4 * 1024 * 512 * 128 * 24);
    const tokens = 64 * 32 + 512;
    assert.equal(a.transformer, 4 * tokens * (2 * 24 * tokens + 4 * 3072 * 4));
    assert.equal(a.text_encoder_2, 4 * 512 * (2 * 64 * 512 + 4 * 10240));
    const batched = activationBytes(REAL, { ...DEFAULT_WORK, batch: 3, decodeBatch: 2 });
    assert.equal(batched.transformer, 3 * a.transformer);
    assert.equal(batched.vae_decoder, 2 * a.vae_decoder);
    assert.equal(batched.vae_encoder, a.vae_encoder);
  });

  test("the transformer's stages: their weights are the transformer's plus the first block's image modulation again", () => {
    const d = FLUX_FILL_DEV.hiddenSize;
    const stages = fluxStageBytes(REAL, {}, DEFAULT_WORK);
    const acts = activationBytes(REAL, DEFAULT_WORK).transformer;
    const tokens = (DEFAULT_WORK.width / 16) * (DEFAULT_WORK.height / 16) + REAL.t5Length;
    const streams = 4 * tokens * d * 4;
    const weights = stages.embed + stages.first + stages.rest + stages.final - 2 * acts - 2 * streams;
    const imgMod = 4 * (d * 6 * d + 6 * d);
    assert.equal(weights, weightBytes(REAL).transformer + imgMod);
    assert.ok(stages.first > acts && stages.rest > stages.first, "the stages with blocks carry the activations");
  });
});
