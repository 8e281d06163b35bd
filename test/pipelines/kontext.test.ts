import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../src/runtime/engine.js";
import { FluxTransformer } from "../../src/components/flux/transformer.js";
import { Vae } from "../../src/components/vae/vae.js";
import { fluxParamsFromBfl, GOLDEN_T1 } from "../../src/models/flux/params.js";
import { FLUX_VAE } from "../../src/models/vae/params.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { kontext, kontextNoise } from "../../src/pipelines/kontext/kontext.js";
import { concatSequence, firstTokens } from "../../src/sampling/packing.js";
import { getSchedule } from "../../src/sampling/schedule.js";
import { TorchGenerator } from "../../src/sampling/torch-rng.js";
import { bf16ToF32 } from "../../src/numeric/float16.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { goldenFile, goldenSkip } from "../golden-paths.js";
import { InvalidArgumentError } from "../../src/errors.js";

describe("sequence packing", () => {
  it("joins token sequences per sample and takes the first tokens back", () => {
    const a = tensor("f32", [2, 2, 2], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const b = tensor("f32", [2, 1, 2], Float32Array.from([9, 10, 11, 12]));
    const joined = concatSequence([a, b]);
    assert.deepEqual(joined.dims, [2, 3, 2]);
    assert.deepEqual([...joined.data], [1, 2, 3, 4, 9, 10, 5, 6, 7, 8, 11, 12]);
    assert.deepEqual([...firstTokens(joined, 2).data], [...a.data]);
    assert.throws(() => concatSequence([a, tensor("f32", [2, 1, 3])]), InvalidArgumentError);
  });
});

describe("Kontext pipeline (golden K1 weights)", { skip: goldenSkip }, () => {
  let engine: Engine;
  let transformer: FluxTransformer;
  let vae: Vae;
  const txt = tensor(
    "f32",
    [1, 5, 48],
    Float32Array.from({ length: 240 }, (_, i) => Math.sin(i)),
  );
  const y = tensor(
    "f32",
    [1, 32],
    Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)),
  );
  const image = exampleImage(48, 32);

  before(async () => {
    engine = new Engine();
    const params = fluxParamsFromBfl({
      in_channels: 64,
      out_channels: 64,
      vec_in_dim: 32,
      context_in_dim: 48,
      hidden_size: 128,
      mlp_ratio: 4,
      num_heads: 4,
      depth: 2,
      depth_single_blocks: 2,
      axes_dim: [...GOLDEN_T1.axesDim],
      theta: 10000,
      qkv_bias: true,
      guidance_embed: true,
    });
    const k1 = await openSafetensors(goldenFile("weights/k1_bfl_f32.safetensors"));
    transformer = await FluxTransformer.open(engine, { weights: k1, params });
    await k1.close();
    const v1 = await openSafetensors(goldenFile("weights/vae_v1_bfl_f32.safetensors"));
    vae = await Vae.open(engine, { weights: v1, params: { ...FLUX_VAE, ch: 32, chMult: [1, 1, 2, 2], numResBlocks: 1 } });
    await v1.close();
  });
  after(async () => {
    await transformer?.release();
    await vae?.release();
    await engine?.close();
  });

  it("draws torch's bfloat16 noise for the target size", () => {
    const noise = kontextNoise(7, 64, 32);
    assert.deepEqual(noise.dims, [1, 16, 4, 8]);
    const bits = new TorchGenerator(7).randn([1, 16, 4, 8], "bf16");
    assert.deepEqual([...noise.data], [...bf16ToF32(bits.data)]);
  });

  it("denoises a target of another size than the condition: shift from the noisy tokens, outputs cut to them", async () => {
    const steps: { v: Tensor<"f32">; x: Tensor<"f32"> }[] = [];
    const result = await kontext(
      { transformer, vae },
      { image, txt, y },
      { seed: 3, steps: 3, guidance: 2.5, width: 64, height: 48, onStep: (s) => steps.push({ v: s.v, x: s.x }) },
    );
    const L = (48 / 16) * (64 / 16);
    assert.deepEqual(result.image.dims, [48, 64, 3]);
    assert.deepEqual(result.latent.dims, [1, 16, 6, 8]);
    assert.equal(result.record.imageTokens, L);
    assert.deepEqual(result.record.condition, { width: 48, height: 32, tokens: 6 });
    assert.deepEqual(result.record.schedule, [...getSchedule(3, L)]);
    assert.notDeepEqual(result.record.schedule, [...getSchedule(3, L + 6)]);
    assert.equal(steps.length, 3);
    for (const s of steps) assert.deepEqual(s.v.dims, [1, L, 64]);
    // The condition's ids: first axis 1, on its own 2x3 grid from (0, 0).
    assert.deepEqual([...result.conditioning.ids.data.slice(0, 6)], [1, 0, 0, 1, 0, 1]);
    assert.deepEqual([...result.conditioning.ids.data.slice(15, 18)], [1, 1, 2]);
    assert.deepEqual([...result.imgIds.data.slice(-3)], [0, 2, 3]);
  });

  it("hears the condition image: another image to edit gives another result", async () => {
    const run = (img: Tensor<"u8">) => kontext({ transformer, vae }, { image: img, txt, y }, { seed: 3, steps: 1, guidance: 2.5 });
    const a = await run(image);
    const b = await run(tensor("u8", [32, 48, 3], new Uint8Array(32 * 48 * 3).fill(200)));
    assert.deepEqual(a.noise.data, b.noise.data);
    assert.notDeepEqual(a.latent.data, b.latent.data);
  });

  it("refuses a condition whose sides are not multiples of 16, and an empty target", async () => {
    await assert.rejects(
      kontext({ transformer, vae }, { image: exampleImage(40, 32), txt, y }, { seed: 0, steps: 1, guidance: 1 }),
      /multiples of 16/,
    );
    await assert.rejects(
      kontext({ transformer, vae }, { image, txt, y }, { seed: 0, steps: 1, guidance: 1, width: 0 }),
      /width must be a positive whole number/,
    );
  });

  it("rounds a target side up to a multiple of 16, as BFL's noise and unpack do", async () => {
    const result = await kontext({ transformer, vae }, { image, txt, y }, { seed: 0, steps: 1, guidance: 1, width: 40, height: 20 });
    assert.deepEqual(result.noise.dims, [1, 16, 4, 6]);
    assert.deepEqual(result.image.dims, [32, 48, 3]);
  });
});
