import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FLUX_FILL_DEV, GOLDEN_T1, fluxParamsFromBfl, validateFluxParams } from "../../src/models/flux/params.js";
import { Flux } from "../../src/models/flux/model.js";
import { ropeTables } from "../../src/nn/rope.js";
import { timestepEmbedding } from "../../src/nn/timestep-embedding.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { assertDeclares } from "../nn/helpers.js";

describe("FLUX params", () => {
  it("derives head and MLP sizes of FLUX.1 Fill [dev]", () => {
    assert.deepEqual(validateFluxParams(FLUX_FILL_DEV), { headDim: 128, mlpHidden: 12288 });
  });

  it("declares the 780 tensors and 11.9 B parameters of flux1-fill-dev.safetensors", () => {
    assertDeclares(new Flux(FLUX_FILL_DEV).parameters(), 780, 11_902_391_360);
  });

  it("declares the 84 tensors of the golden T1 file", () => {
    assert.equal(new Flux(GOLDEN_T1).parameters().length, 84);
  });

  it("refuses inconsistent sizes with a message naming the field", () => {
    assert.throws(() => validateFluxParams({ ...GOLDEN_T1, numHeads: 3 }), /not divisible by num_heads 3/);
    assert.throws(() => validateFluxParams({ ...GOLDEN_T1, axesDim: [4, 14, 12] }), /axes_dim \[4,14,12\] sums to 30, but head_dim is 32/);
    assert.throws(() => validateFluxParams({ ...GOLDEN_T1, depth: -1 }), InvalidArgumentError);
    assert.throws(() => validateFluxParams({ ...GOLDEN_T1, hiddenSize: 0 }), /hiddenSize must be a positive integer/);
  });

  it("reads BFL FluxParams JSON", () => {
    const p = fluxParamsFromBfl({
      in_channels: 384,
      out_channels: 64,
      vec_in_dim: 32,
      context_in_dim: 48,
      hidden_size: 128,
      mlp_ratio: 4,
      num_heads: 4,
      depth: 2,
      depth_single_blocks: 2,
      axes_dim: [4, 14, 14],
      theta: 10000,
      qkv_bias: true,
      guidance_embed: true,
    });
    assert.deepEqual(p, GOLDEN_T1);
  });
});

describe("timestep embedding", () => {
  it("is [cos | sin] of 1000 t times the frequencies", () => {
    const e = timestepEmbedding([0], 8);
    assert.deepEqual([...e], [1, 1, 1, 1, 0, 0, 0, 0]);
    const [t] = [0.25];
    const emb = timestepEmbedding([t], 256);
    // k = 0: frequency 1, argument 250 rad.
    assert.ok(Math.abs((emb[0] ?? 0) - Math.cos(250)) < 1e-6);
    assert.ok(Math.abs((emb[128] ?? 0) - Math.sin(250)) < 1e-6);
    // k = 64: frequency 10000^(-1/2) = 0.01.
    assert.ok(Math.abs((emb[64] ?? 0) - Math.cos(2.5)) < 1e-6);
  });

  it("embeds each batch element separately", () => {
    const both = timestepEmbedding([0.1, 0.9]);
    const second = timestepEmbedding([0.9]);
    assert.deepEqual([...both.subarray(256)], [...second]);
  });
});

describe("RoPE tables", () => {
  it("rotates by pos * theta^(-2j/d) per axis", () => {
    // one token at (p0, p1) = (3, 5) with axes [2, 4]: pairs [axis0 j0, axis1 j0, axis1 j1]
    const { cos, sin, pairs } = ropeTables(Float32Array.of(3, 5), [2, 4], 10000);
    assert.equal(pairs, 3);
    const angles = [3 * 1, 5 * 1, 5 * 10000 ** -0.5];
    angles.forEach((a, i) => {
      assert.ok(Math.abs((cos[i] ?? 0) - Math.cos(a)) < 1e-7);
      assert.ok(Math.abs((sin[i] ?? 0) - Math.sin(a)) < 1e-7);
    });
  });

  it("is the identity at position 0 (text tokens)", () => {
    const { cos, sin } = ropeTables(new Float32Array(3), [4, 14, 14], 10000);
    assert.ok(cos.every((v) => v === 1));
    assert.ok(sin.every((v) => v === 0));
  });
});
