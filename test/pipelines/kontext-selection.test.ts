/**
 * Noise selection with FLUX.1 Kontext on the Kontext demo model (random weights): each candidate
 * draws a plain Kontext run's noise, the winner equals a plain run with its seed, and the previews
 * are the x0 estimates of the noisy tokens only, decoded at the output's size (here another size
 * than the condition's, so that the condition's tokens cannot pass for them).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleImage } from "../../src/demo/example-image.js";
import { Engine } from "../../src/runtime/engine.js";
import { openFluxFillFolder } from "../../src/weights/hub/model-folder.js";
import { loadIceditModels, type IceditModels } from "../../src/components/icedit-models.js";
import { MemoryEmbeddingCache, TextConditioner } from "../../src/components/text/conditioning.js";
import { kontext, kontextNoise, type KontextRequest } from "../../src/pipelines/kontext/kontext.js";
import { kontextWithNoiseSelection } from "../../src/pipelines/kontext/select.js";
import { tensorToImage } from "../../src/pipelines/fill/pixels.js";
import { unpackLatents } from "../../src/sampling/packing.js";
import { decodeImage } from "../../src/image/index.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import type { JudgeRequest } from "../../src/vlm/index.js";
import { makeKontextDemoModel } from "../api/fixtures.js";
import { maxAbsDiff, scripted } from "./selection-helpers.js";

/** Equal images up to float rounding of batched runs: at most 1 in at most 0.1% of the bytes. */
function assertSameImage(a: Tensor<"u8">, b: Tensor<"u8">, what: string): void {
  assert.deepEqual(a.dims, b.dims, what);
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs((a.data[i] as number) - (b.data[i] as number));
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  assert.ok(max <= 1 && count <= a.data.length / 1000, `${what}: ${count} bytes differ, by up to ${max}`);
}

describe("noise selection with FLUX.1 Kontext (demo model)", () => {
  let dir: string;
  let engine: Engine;
  let loaded: IceditModels;
  let models: { transformer: IceditModels["transformer"]; vae: IceditModels["vae"] };
  let request: KontextRequest;
  const instruction = "make the sky green";
  // The condition is 48x32 (6 tokens); the output 64x48 (12 tokens).
  const source = exampleImage(48, 32);
  const output = { width: 64, height: 48 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-kontext-selection-"));
    await makeKontextDemoModel(join(dir, "demo-kontext"));
    engine = new Engine();
    loaded = await loadIceditModels(engine, await openFluxFillFolder(join(dir, "demo-kontext")), { method: "kontext" });
    models = { transformer: loaded.transformer, vae: loaded.vae };
    const text = await new TextConditioner(loaded.text, new MemoryEmbeddingCache()).encode(instruction);
    request = { image: source, txt: text.embedding.txt, y: text.embedding.y };
  });
  after(async () => {
    await loaded?.release();
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("the winner equals a plain Kontext run with its seed; its noise is that run's bfloat16 draw; cost M*m + (n - m)", async () => {
    const judge = scripted([2, 1]);
    const selected = await kontextWithNoiseSelection(models, request, {
      seed: 7,
      candidates: 3,
      steps: 3,
      earlySteps: 1,
      guidance: 2.5,
      ...output,
      judge,
      instruction,
      original: source,
    });
    const t = selected.tournament;
    assert.deepEqual(t.candidates, [7, 8, 9]);
    assert.equal(t.winner, 8, "8 beat 7, then held against 9");
    assert.equal(t.nfe, 3 * 1 + (3 - 1));
    assert.equal(t.runs, 1 + 2, "the three candidates' early step in one batched run");
    assert.equal(selected.record.seed, 8);
    assert.equal(selected.record.conventions, "bfl");
    assert.deepEqual(selected.record.condition, { width: 48, height: 32, tokens: 6 });
    assert.equal(selected.record.imageTokens, 12);
    assert.deepEqual([...selected.noise.data], [...kontextNoise(8, 64, 48).data]);

    const plain = await kontext(models, request, { seed: 8, steps: 3, guidance: 2.5, ...output });
    assert.deepEqual([...selected.noise.data], [...plain.noise.data], "the same draw as a plain run with seed 8");
    assert.deepEqual(selected.record.schedule, plain.record.schedule);
    const drift = maxAbsDiff(selected.decoded.data, plain.decoded.data);
    assert.ok(drift <= 1e-4, `decoded images differ by ${drift}`);
    assert.ok(maxAbsDiff(selected.latent.data, plain.latent.data) <= 1e-4);
    assertSameImage(selected.image, plain.image, "the winner's image");
    assert.deepEqual(selected.image.dims, [48, 64, 3]);
  });

  it("previews: the noisy tokens' x0 after m steps, at the output's size; the judge sees the source and them", async () => {
    const judge = scripted([1]);
    const selected = await kontextWithNoiseSelection(models, request, {
      seeds: [4, 11],
      steps: 3,
      earlySteps: 2,
      guidance: 2.5,
      ...output,
      judge,
      instruction,
      original: source,
    });
    assert.deepEqual(
      selected.previews.map((p) => [p.seed, ...p.image.dims]),
      [
        [4, 48, 64, 3],
        [11, 48, 64, 3],
      ],
    );
    // Independently: a plain run's state and velocity at its 2nd step, x0 = x - t v (closed form), decoded.
    for (const preview of selected.previews) {
      let x0: Tensor<"f32"> | null = null;
      await kontext(models, request, {
        seed: preview.seed,
        steps: 3,
        guidance: 2.5,
        ...output,
        onStep: (s) => {
          if (s.step !== 2) return;
          assert.deepEqual(s.v.dims, [1, 12, 64], "the velocity of the 12 noisy tokens only");
          x0 = tensor(
            "f32",
            s.x.dims,
            s.x.data.map((x, i) => x - s.t * (s.v.data[i] as number)),
          );
        },
      });
      const estimate = x0 as Tensor<"f32"> | null;
      assert.ok(estimate);
      const { image } = await models.vae.decode(unpackLatents(estimate, 6, 8));
      assertSameImage(preview.image, tensorToImage(image, "truncate"), `seed ${preview.seed}'s preview`);
    }
    assert.equal(judge.seen.length, 1);
    const seen = judge.seen[0] as JudgeRequest;
    assert.equal(seen.instruction, instruction);
    assert.deepEqual((await decodeImage(seen.original)).data, source.data, "the original is the source");
    assert.deepEqual((await decodeImage(seen.image1)).data, selected.previews[0]?.image.data);
    assert.deepEqual((await decodeImage(seen.image2)).data, selected.previews[1]?.image.data);
  });

  it("with a further reference image: every candidate carries all references' tokens; the winner equals a plain run", async () => {
    const withReference: KontextRequest = { ...request, references: [exampleImage(32, 32)] };
    const options = { steps: 2, guidance: 2.5, instruction, original: source } as const;
    const selected = await kontextWithNoiseSelection(models, withReference, {
      ...options,
      seeds: [1, 2],
      earlySteps: 1,
      judge: scripted([2]),
    });
    assert.equal(selected.tournament.winner, 2);
    assert.deepEqual(selected.record.condition, { width: 48, height: 32, tokens: 6 + 4 });
    assert.deepEqual(selected.previews[0]?.image.dims, [32, 48, 3], "the output follows the first image");
    const plain = await kontext(models, withReference, { ...options, seed: 2 });
    assert.deepEqual(selected.record.references, plain.record.references);
    assert.ok(maxAbsDiff(selected.decoded.data, plain.decoded.data) <= 1e-4);
    assertSameImage(selected.image, plain.image, "the winner's image");
  });
});
