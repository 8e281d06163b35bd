/** The VAE pipeline: golden cases, both weight layouts, any image size from one graph, typed errors. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { vaeRunner } from "../../../src/golden/components/vae.js";
import { loadManifest } from "../../../src/golden/manifest.js";
import { GOLDEN_V1 } from "../../../src/models/vae/params.js";
import { Vae, VaeInputError, VaePartError } from "../../../src/components/vae/vae.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../../src/weights/errors.js";
import { convertVae } from "../../../src/weights/layouts/vae-view.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import type { TensorSource } from "../../../src/weights/source.js";
import { GOLDEN_DIR, goldenFile, goldenSkip, haveGolden } from "../../golden-paths.js";
import { assertGoldenCasePasses } from "../golden-case.js";

const WEIGHTS = goldenFile("weights/vae_v1_bfl_f32.safetensors");

let engine: Engine;
let bflWeights: Map<string, Tensor>;
let image: Tensor<"f32">;
let latent: Tensor<"f32">;
let vae: Vae;

async function readAll(source: TensorSource): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  for (const name of source.names()) out.set(name, await source.read(name));
  return out;
}

async function readInput(file: string, name: string): Promise<Tensor<"f32">> {
  const source = await openSafetensors(goldenFile(file));
  try {
    return await source.readF32(name);
  } finally {
    await source.close();
  }
}

before(async () => {
  engine = new Engine();
  if (!haveGolden) return;
  const file = await openSafetensors(WEIGHTS);
  bflWeights = await readAll(file);
  await file.close();
  image = await readInput("cases/vae_encode.inputs.safetensors", "image");
  latent = await readInput("cases/vae_decode.inputs.safetensors", "latent");
  vae = await Vae.open(engine, { weights: memorySource(bflWeights, WEIGHTS), params: GOLDEN_V1 });
});
after(async () => {
  await vae?.release();
  await engine.close();
});

function maxAbsDiff(a: Tensor<"f32">, b: Tensor<"f32">): number {
  assert.deepEqual(a.dims, b.dims);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return m;
}

function sameBits(a: Tensor, b: Tensor): boolean {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
  );
}

describe("VAE golden cases", { skip: goldenSkip }, () => {
  test("vae_encode and vae_decode pass through the golden runner", async () => {
    const manifest = await loadManifest(GOLDEN_DIR);
    for (const name of ["vae_encode", "vae_decode"]) {
      const result = await assertGoldenCasePasses(vaeRunner, name, { engine, manifest });
      assert.ok(
        result.comparisons.every((x) => x.maxAbsErr < 2e-5),
        `${name} max error`,
      );
    }
  });
});

describe("VAE pipeline", { skip: goldenSkip }, () => {
  test("a diffusers-layout file of the same weights gives bit-identical outputs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-vae-"));
    try {
      const path = join(dir, "diffusion_pytorch_model.safetensors");
      await writeSafetensors(path, await convertVae(memorySource(bflWeights), "diffusers"));
      const source = await openSafetensors(path);
      const other = await Vae.open(engine, { weights: source, params: GOLDEN_V1 });
      await source.close();
      try {
        const [a, b] = [await vae.encode(image), await other.encode(image)];
        const [c, d] = [await vae.decode(latent), await other.decode(latent)];
        for (const [x, y] of [
          [a.moments, b.moments],
          [a.latent, b.latent],
          [c.image, d.image],
        ] as const)
          assert.ok(sameBits(x, y));
      } finally {
        await other.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("one graph takes other sizes and batches: 16x40 and a batch of 2 match single runs", async () => {
    const small = tensor(
      "f32",
      [1, 3, 16, 40],
      Float32Array.from({ length: 3 * 16 * 40 }, (_, i) => Math.sin(i * 0.37)),
    );
    const enc = await vae.encode(small);
    assert.deepEqual(enc.moments.dims, [1, 32, 2, 5]);
    assert.deepEqual(enc.latent.dims, [1, 16, 2, 5]);
    const dec = await vae.decode(enc.latent);
    assert.deepEqual(dec.image.dims, [1, 3, 16, 40]);

    const pair = new Float32Array(2 * image.data.length);
    pair.set(image.data);
    pair.set(
      image.data.map((v) => -v),
      image.data.length,
    );
    const both = await vae.encode(tensor("f32", [2, 3, 32, 64], pair));
    const first = await vae.encode(image);
    const second = await vae.encode(
      tensor(
        "f32",
        image.dims,
        image.data.map((v) => -v),
      ),
    );
    const half = first.latent.data.length;
    assert.ok(maxAbsDiff(tensor("f32", first.latent.dims, both.latent.data.slice(0, half)), first.latent) < 1e-5);
    assert.ok(maxAbsDiff(tensor("f32", second.latent.dims, both.latent.data.slice(half)), second.latent) < 1e-5);
    assert.ok(maxAbsDiff(first.latent, second.latent) > 1e-2, "the two samples differ");
  });

  test("the latent is scale * (mean - shift), and decode starts from latent / scale + shift", async () => {
    const { mean, latent: z } = await vae.encode(image);
    const scaled = Float32Array.from(mean.data, (m) => Math.fround(Math.fround(m - Math.fround(0.1159)) * Math.fround(0.3611)));
    assert.ok(maxAbsDiff(z, tensor("f32", z.dims, scaled)) < 1e-6);
    const { zUnscaled } = await vae.decode(z);
    assert.ok(maxAbsDiff(zUnscaled, mean) < 1e-6);
  });
});

describe("VAE errors", { skip: goldenSkip }, () => {
  test("wrong image and latent shapes say what would work", async () => {
    await assert.rejects(vae.encode(tensor("f32", [1, 3, 30, 64])), (e: unknown) => {
      assert.ok(e instanceof VaeInputError);
      assert.match(e.message, /height 30 is not a multiple of 8 \(use 24 or 32\)/);
      return true;
    });
    await assert.rejects(vae.encode(tensor("f32", [1, 3, 36, 4])), /height 36 .*use 32 or 40.*width 4 .*use 8\)/);
    await assert.rejects(vae.encode(tensor("f32", [32, 64, 3])), /\[B, 3, H, W\].*\[H, W, C\] image/);
    await assert.rejects(vae.encode(tensor("f32", [1, 4, 32, 64])), /must have 3 channels/);
    await assert.rejects(vae.decode(tensor("f32", [1, 64, 4, 8])), (e: unknown) => {
      assert.ok(e instanceof VaeInputError);
      assert.match(e.message, /packed .*unpack it to \[B, 16, h, w\]/);
      return true;
    });
    await assert.rejects(vae.decode(tensor("f32", [1, 32, 64])), /packed/);
    await assert.rejects(vae.decode(tensor("f32", [1, 4, 4, 8])), /Stable Diffusion latent/);
  });

  test("a decoder-only VAE refuses to encode", async () => {
    const decoderOnly = await Vae.open(engine, { weights: memorySource(bflWeights), params: GOLDEN_V1, parts: { encoder: false } });
    try {
      assert.equal(decoderOnly.hasEncoder, false);
      await assert.rejects(decoderOnly.encode(image), VaePartError);
      assert.deepEqual((await decoderOnly.decode(latent)).image.dims, [1, 3, 32, 64]);
    } finally {
      await decoderOnly.release();
    }
  });

  test("missing tensors and wrong shapes name the tensor, the file and the likely cause", async () => {
    const without = new Map(bflWeights);
    without.delete("decoder.up.2.block.1.conv1.weight");
    await assert.rejects(Vae.open(engine, { weights: memorySource(without, "ae.safetensors"), params: GOLDEN_V1 }), (e: unknown) => {
      assert.ok(e instanceof MissingTensorError);
      assert.match(e.message, /decoder\.up\.2\.block\.1\.conv1\.weight missing in ae\.safetensors/);
      return true;
    });
    const diffusers = await convertVae(memorySource(without), "diffusers");
    await assert.rejects(
      Vae.open(engine, { weights: memorySource(diffusers, "vae.safetensors"), params: GOLDEN_V1 }),
      /looked for decoder\.up_blocks\.1\.resnets\.1\.conv1\.weight/,
    );
    const encoderOnly = new Map([...bflWeights].filter(([k]) => k.startsWith("encoder.")));
    await assert.rejects(
      Vae.open(engine, { weights: memorySource(encoderOnly, "enc.safetensors"), params: GOLDEN_V1 }),
      /no decoder.*parts \{ decoder: false \}/,
    );
    const sd = new Map(bflWeights);
    sd.set("encoder.conv_out.weight", tensor("f32", [8, 64, 3, 3]));
    sd.set("encoder.conv_out.bias", tensor("f32", [8]));
    await assert.rejects(Vae.open(engine, { weights: memorySource(sd, "sd.safetensors"), params: GOLDEN_V1 }), (e: unknown) => {
      assert.ok(e instanceof ShapeMismatchError);
      assert.match(e.message, /encoder\.conv_out\.weight in sd\.safetensors has shape \[8, 64, 3, 3\], expected \[32, 64, 3, 3\]/);
      assert.match(e.message, /4-channel Stable Diffusion VAE/);
      return true;
    });
    await assert.rejects(
      Vae.open(engine, { weights: memorySource(bflWeights), params: { ...GOLDEN_V1, ch: 64 } }),
      /sizes of the configured VAE/,
    );
  });
});
