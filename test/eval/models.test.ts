/**
 * The metric models beyond the golden cases: config.json reading, both ViT key layouts, typed
 * errors for wrong files and inputs, batch independence, and opening Hugging Face folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ClipModelRunner } from "../../src/eval/models/clip-model.js";
import { DinoVit } from "../../src/eval/models/dino.js";
import { MetricModelInputError } from "../../src/eval/models/pixels.js";
import { openClipModelFolder, openDinoFolder, openEditMetricModels, releaseEditMetricModels } from "../../src/eval/models/open-folder.js";
import { scoreEdit } from "../../src/eval/metrics/score-edit.js";
import { demoClipTokenizerFiles } from "../../src/demo/tokenizers.js";
import { rgbImage } from "../../src/image/rgb.js";
import { CLIP_VIT_B32, CLIP_VIT_L14, clipModelConfigFromHf } from "../../src/models/clip/clip-config.js";
import { HfConfigError } from "../../src/models/t5/hf-json.js";
import { DINO_VITS16, vitConfigFromHf } from "../../src/models/vit/config.js";
import { Engine } from "../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../src/weights/errors.js";
import { ModelFolderError } from "../../src/weights/hub/errors.js";
import { classicVitName } from "../../src/weights/layouts/vit-view.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { writeSafetensors } from "../../src/weights/safetensors/writer.js";
import { uniform } from "../onnx/helpers.js";
import { randomClipModelWeights, randomVitWeights, TINY_CLIP, TINY_VIT } from "./tiny-models.js";

let engine: Engine;
before(() => {
  engine = new Engine();
});
after(async () => {
  await engine.close();
});

const pixels = (batch: number, side: number, seed: number): Tensor<"f32"> =>
  tensor("f32", [batch, 3, side, side], uniform(batch * 3 * side * side, seed, -2, 2));

/** Rows [from, from + count) of an [N, ...] tensor's data. */
function rows(t: Tensor<"f32">, from: number, count: number): Float32Array {
  const per = t.data.length / (t.dims[0] as number);
  return t.data.subarray(from * per, (from + count) * per);
}

function assertNear(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= tol, `${i}: ${a[i]} vs ${b[i]}`);
}

describe("config.json", () => {
  test("a CLIPConfig: towers, projection, and transformers' defaults for what it leaves out", () => {
    const c = clipModelConfigFromHf({
      model_type: "clip",
      projection_dim: 16,
      text_config: {
        vocab_size: 1000,
        hidden_size: 32,
        intermediate_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        eos_token_id: 999,
      },
      vision_config: {
        image_size: 32,
        patch_size: 8,
        hidden_size: 48,
        intermediate_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 3,
      },
    });
    assert.equal(c.projectionDim, 16);
    assert.equal(c.text.eosTokenId, 999);
    assert.equal(c.text.maxPositions, 77);
    assert.equal(c.vision.numHeads, 3);
    assert.equal(c.vision.layerNormEps, 1e-5);
    const empty = clipModelConfigFromHf({ model_type: "clip" });
    assert.deepEqual(empty.vision, CLIP_VIT_B32.vision);
    assert.equal(empty.text.hiddenSize, 512);
    assert.equal(CLIP_VIT_L14.vision.patchSize, 14);
  });

  test("wrong CLIP configs are refused with what is wrong", () => {
    assert.throws(() => clipModelConfigFromHf({ model_type: "clip_text_model" }), /expected "clip"/);
    assert.throws(() => clipModelConfigFromHf({ vision_config: { image_size: 30, patch_size: 8 } }), HfConfigError);
    assert.throws(() => clipModelConfigFromHf({ vision_config: { hidden_act: "gelu" } }), /quick_gelu/);
  });

  test("a ViTConfig: DINO's sizes, and ViT's defaults (eps 1e-12) for what it leaves out", () => {
    const dino = vitConfigFromHf({
      model_type: "vit",
      hidden_size: 384,
      intermediate_size: 1536,
      num_attention_heads: 6,
      layer_norm_eps: 1e-6,
    });
    assert.deepEqual(dino, DINO_VITS16);
    assert.equal(vitConfigFromHf({}).layerNormEps, 1e-12);
    assert.throws(() => vitConfigFromHf({ hidden_act: "gelu_new" }), /exact gelu/);
    assert.throws(() => vitConfigFromHf({ model_type: "clip" }), HfConfigError);
  });
});

describe("ViT key layouts", () => {
  test("newer transformers names map to the classic ones; others are kept", () => {
    assert.equal(classicVitName("layers.3.attention.q_proj.weight"), "encoder.layer.3.attention.attention.query.weight");
    assert.equal(classicVitName("layers.0.attention.o_proj.bias"), "encoder.layer.0.attention.output.dense.bias");
    assert.equal(classicVitName("layers.11.mlp.fc1.weight"), "encoder.layer.11.intermediate.dense.weight");
    assert.equal(classicVitName("layers.2.mlp.fc2.bias"), "encoder.layer.2.output.dense.bias");
    assert.equal(classicVitName("layers.1.layernorm_after.weight"), "encoder.layer.1.layernorm_after.weight");
    assert.equal(classicVitName("embeddings.cls_token"), "embeddings.cls_token");
  });

  test("the same weights under classic, newer and `vit.`-prefixed names give the same features", async () => {
    const classic = randomVitWeights(TINY_VIT, 11);
    const newer = new Map(
      [...classic].map(([k, v]) => [
        k
          .replace(/^encoder\.layer\.(\d+)\.attention\.attention\.query/, "layers.$1.attention.q_proj")
          .replace(/^encoder\.layer\.(\d+)\.attention\.attention\.key/, "layers.$1.attention.k_proj")
          .replace(/^encoder\.layer\.(\d+)\.attention\.attention\.value/, "layers.$1.attention.v_proj")
          .replace(/^encoder\.layer\.(\d+)\.attention\.output\.dense/, "layers.$1.attention.o_proj")
          .replace(/^encoder\.layer\.(\d+)\.intermediate\.dense/, "layers.$1.mlp.fc1")
          .replace(/^encoder\.layer\.(\d+)\.output\.dense/, "layers.$1.mlp.fc2")
          .replace(/^encoder\.layer\.(\d+)\./, "layers.$1."),
        v,
      ]),
    );
    const prefixed = new Map([...classic].map(([k, v]) => [`vit.${k}`, v]));
    const x = pixels(2, TINY_VIT.imageSize, 12);
    const outs: Float32Array[] = [];
    for (const weights of [classic, newer, prefixed]) {
      const dino = await DinoVit.open(engine, { weights: memorySource(weights), config: TINY_VIT });
      outs.push((await dino.features(x)).cls.data);
      await dino.release();
    }
    assert.deepEqual(outs[1], outs[0]);
    assert.deepEqual(outs[2], outs[0]);
  });
});

describe("typed errors", () => {
  test("a CLIP text model file is not a CLIPModel", async () => {
    const textOnly = new Map([...randomClipModelWeights(TINY_CLIP, 1)].filter(([k]) => k.startsWith("text_model.")));
    await assert.rejects(
      ClipModelRunner.open(engine, { weights: memorySource(textOnly), config: TINY_CLIP }),
      (e: unknown) => e instanceof MissingTensorError && /the file has no vision tower: the metrics need a whole CLIPModel/.test(e.message),
    );
  });

  test("too few layers and wrong sizes are named", async () => {
    const weights = randomClipModelWeights({ ...TINY_CLIP, vision: { ...TINY_CLIP.vision, numLayers: 1 } }, 1);
    await assert.rejects(
      ClipModelRunner.open(engine, { weights: memorySource(weights), config: TINY_CLIP }),
      /vision_model has 1 layers but the config asks for 2/,
    );
    const wide = randomVitWeights({ ...TINY_VIT, hiddenSize: 48, numHeads: 3 }, 1);
    await assert.rejects(DinoVit.open(engine, { weights: memorySource(wide), config: TINY_VIT }), ShapeMismatchError);
  });

  test("pixels of the wrong shape are refused with the shape the model takes", async () => {
    const clip = await ClipModelRunner.open(engine, { weights: memorySource(randomClipModelWeights(TINY_CLIP, 2)), config: TINY_CLIP });
    try {
      await assert.rejects(
        clip.embedImages(pixels(1, 24, 1)),
        (e: unknown) => e instanceof MetricModelInputError && /\[B, 3, 32, 32\]/.test(e.message),
      );
    } finally {
      await clip.release();
    }
  });
});

describe("batches", () => {
  test("each image's outputs do not depend on the rest of the batch", async () => {
    const clip = await ClipModelRunner.open(engine, { weights: memorySource(randomClipModelWeights(TINY_CLIP, 3)), config: TINY_CLIP });
    const dino = await DinoVit.open(engine, { weights: memorySource(randomVitWeights(TINY_VIT, 4)), config: TINY_VIT });
    try {
      const cx = pixels(3, 32, 5);
      const all = await clip.embedImages(cx);
      const one = await clip.embedImages(tensor("f32", [1, 3, 32, 32], rows(cx, 1, 1)));
      assertNear(rows(all.imageEmbeds, 1, 1), one.imageEmbeds.data, 1e-5);
      assert.deepEqual(all.lastHiddenState.dims, [3, 17, TINY_CLIP.vision.hiddenSize]);
      const dx = pixels(3, TINY_VIT.imageSize, 6);
      const dall = await dino.features(dx);
      const done = await dino.features(tensor("f32", [1, 3, 24, 24], rows(dx, 2, 1)));
      assertNear(rows(dall.cls, 2, 1), done.cls.data, 1e-5);
      assertNear(dall.cls.data.subarray(0, TINY_VIT.hiddenSize), dall.lastHiddenState.data.subarray(0, TINY_VIT.hiddenSize), 0);
    } finally {
      await Promise.all([clip.release(), dino.release()]);
    }
  });
});

describe("Hugging Face folders", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "icedit-metric-models-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("config.json + model.safetensors open as the metric models; a folder without weights is named", async () => {
    const clipDir = join(dir, "clip");
    const dinoDir = join(dir, "dino");
    mkdirSync(clipDir);
    mkdirSync(dinoDir);
    const v = TINY_CLIP.vision;
    const t = TINY_CLIP.text;
    writeFileSync(
      join(clipDir, "config.json"),
      JSON.stringify({
        model_type: "clip",
        projection_dim: TINY_CLIP.projectionDim,
        text_config: {
          vocab_size: t.vocabSize,
          hidden_size: t.hiddenSize,
          intermediate_size: t.intermediateSize,
          num_hidden_layers: t.numLayers,
          num_attention_heads: t.numHeads,
          eos_token_id: t.eosTokenId,
        },
        vision_config: {
          image_size: v.imageSize,
          patch_size: v.patchSize,
          hidden_size: v.hiddenSize,
          intermediate_size: v.intermediateSize,
          num_hidden_layers: v.numLayers,
          num_attention_heads: v.numHeads,
        },
      }),
    );
    await writeSafetensors(join(clipDir, "model.safetensors"), randomClipModelWeights(TINY_CLIP, 7));
    const clip = await openClipModelFolder(engine, clipDir);
    assert.equal(clip.config.vision.hiddenSize, v.hiddenSize);
    assert.deepEqual((await clip.embedImages(pixels(1, 32, 8))).imageEmbeds.dims, [1, TINY_CLIP.projectionDim]);
    await clip.release();

    writeFileSync(
      join(dinoDir, "config.json"),
      JSON.stringify({
        model_type: "vit",
        image_size: 24,
        patch_size: 8,
        hidden_size: 32,
        intermediate_size: 48,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        layer_norm_eps: 1e-6,
      }),
    );
    await assert.rejects(
      openDinoFolder(engine, dinoDir),
      (e: unknown) => e instanceof ModelFolderError && /model\.safetensors/.test(e.message),
    );
    await writeSafetensors(join(dinoDir, "model.safetensors"), randomVitWeights(TINY_VIT, 9));
    const dino = await openDinoFolder(engine, dinoDir);
    assert.deepEqual((await dino.features(pixels(2, 24, 10))).cls.dims, [2, 32]);
    await dino.release();

    for (const [name, text] of Object.entries(demoClipTokenizerFiles(TINY_CLIP.text.vocabSize))) writeFileSync(join(clipDir, name), text);
    const dinoTransform = { resize: 28, crop: 24, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
    const models = await openEditMetricModels(engine, { clip: clipDir, dino: dinoDir, dinoTransform });
    try {
      const image = rgbImage(30, 40, Uint8Array.from(uniform(30 * 40 * 3, 13, 0, 255.99), Math.floor));
      const caption = "a red house";
      const ids = models.tokenizer?.encode(caption).ids ?? [];
      assert.equal(ids.length, 77);
      const byText = await scoreEdit({ generated: image, target: image, outputCaption: caption }, models);
      const byIds = await scoreEdit({ generated: image, outputCaptionIds: tensor("i64", [77], BigInt64Array.from(ids, BigInt)) }, models);
      assert.equal(byText.clipOut, byIds.clipOut);
      assert.ok(byText.dino !== null && Math.abs(byText.dino - 1) < 1e-6);
      await assert.rejects(
        scoreEdit({ generated: image, outputCaption: caption }, { ...models, tokenizer: undefined }),
        /no CLIP tokenizer/,
      );
    } finally {
      await releaseEditMetricModels(models);
    }
  });
});
