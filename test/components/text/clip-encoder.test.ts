/**
 * The CLIP text model: golden cases, both pooling rules on hand-made ids, causality and length
 * handling checked against the model itself at other lengths, configs, key forms and typed errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { clipTextRunner } from "../../../src/golden/components/clip.js";
import { loadManifest, type GoldenManifest } from "../../../src/golden/manifest.js";
import { CLIP_L_TEXT, CLIP_TEXT_TINY, clipTextConfigFromHf, clipTextHfConfig } from "../../../src/models/clip/config.js";
import { randomClipTextWeights } from "../../../src/demo/init/clip.js";
import { ClipTextTransformer } from "../../../src/models/clip/model.js";
import { clipPooledIndex, clipPooledIndexOfRow } from "../../../src/models/clip/pooling.js";
import { HfConfigError } from "../../../src/models/t5/hf-json.js";
import { ClipTextEncoder } from "../../../src/components/text/clip.js";
import { TextEncoderInputError } from "../../../src/components/text/token-ids.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../../src/weights/errors.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { GOLDEN_DIR, goldenFile, goldenSkip, haveGolden } from "../../golden-paths.js";
import { assertGoldenCasePasses } from "../golden-case.js";
import { assertDeclares } from "../../nn/helpers.js";
import { assertFileTensors } from "./file-tensors.js";
import { assertClose, i64t } from "../../onnx/helpers.js";

let engine: Engine;
let manifest: GoldenManifest;
const weights = randomClipTextWeights(CLIP_TEXT_TINY, 3);
let encoder: ClipTextEncoder;

before(async () => {
  engine = new Engine();
  if (haveGolden) manifest = await loadManifest(GOLDEN_DIR);
  encoder = await ClipTextEncoder.open(engine, { weights: memorySource(weights), config: CLIP_TEXT_TINY });
});
after(async () => {
  await encoder.release();
  await engine.close();
});

const row = (values: readonly number[]): BigInt64Array => BigInt64Array.from(values, (v) => BigInt(v));

/** BOS 998, content, EOS 999, EOS padding to `length` (the FLUX tokenizer's shape of ids). */
function tokenizerIds(content: readonly number[], length = 77): number[] {
  const ids = [998, ...content, 999];
  while (ids.length < length) ids.push(999);
  return ids;
}

describe("CLIP golden cases", { skip: goldenSkip }, () => {
  for (const name of ["clip_text_b1", "clip_text_eos999_b2"]) {
    test(`${name} passes through the golden runner`, async () => {
      await assertGoldenCasePasses(clipTextRunner, name, { engine, manifest });
    });
  }
});

describe("CLIP pooling rules", () => {
  test("legacy eos_token_id 2: argmax of the ids, the first maximum", () => {
    assert.equal(clipPooledIndexOfRow(row([998, 5, 999, 999, 999]), 2), 2);
    assert.equal(clipPooledIndexOfRow(row([3, 7, 1, 7, 2]), 2), 1);
    // textual inversion: a token added after EOS wins the argmax
    assert.equal(clipPooledIndexOfRow(row([49406, 49408, 320, 49407, 49407]), 2), 1);
  });

  test("other eos_token_id: the first occurrence, 0 when absent", () => {
    assert.equal(clipPooledIndexOfRow(row([998, 5, 999, 999]), 999), 2);
    assert.equal(clipPooledIndexOfRow(row([3, 7, 1, 7]), 999), 0);
    assert.equal(clipPooledIndexOfRow(row([49406, 49408, 320, 49407, 49407]), 49407), 3);
    assert.deepEqual(clipPooledIndex(row([998, 999, 999, 5, 6, 7]), [2, 3], 999), [1, 0]);
  });

  test("the encoder pools where its config says, at rows of last_hidden_state", async () => {
    const ids = [...tokenizerIds([4, 5, 6], 12), ...[10, 20, 30, 40, 50, 997, 60, 70, 80, 90, 100, 110]];
    const legacy = await encoder.encode(i64t([2, 12], ids));
    assert.deepEqual(legacy.pooledIndex, [4, 5]);
    const first = await ClipTextEncoder.open(engine, { weights: memorySource(weights), config: { ...CLIP_TEXT_TINY, eosTokenId: 999 } });
    try {
      const out = await first.encode(i64t([2, 12], ids));
      assert.deepEqual(out.pooledIndex, [4, 0]);
      const d = CLIP_TEXT_TINY.hiddenSize;
      for (const [b, p] of [
        [0, 4],
        [1, 0],
      ] as const) {
        assert.deepEqual(
          out.pooled.data.subarray(b * d, (b + 1) * d),
          out.lastHiddenState.data.subarray((b * 12 + p) * d, (b * 12 + p + 1) * d),
        );
      }
      assert.deepEqual(out.pooled.data.subarray(0, d), legacy.pooled.data.subarray(0, d));
    } finally {
      await first.release();
    }
  });
});

describe("CLIP graph", () => {
  test("causal: positions up to i ignore later tokens, and a shorter input gives the same prefix", async () => {
    const ids = tokenizerIds([11, 12, 13, 14]);
    const full = await encoder.encode(i64t([1, 77], ids));
    const changed = [...ids];
    for (let i = 8; i < 77; i++) changed[i] = (i * 37) % 900;
    const other = await encoder.encode(i64t([1, 77], changed));
    const d = CLIP_TEXT_TINY.hiddenSize;
    assertClose(other.lastHiddenState.data.subarray(0, 8 * d), full.lastHiddenState.data.subarray(0, 8 * d), "prefix", {
      atol: 1e-6,
      rtol: 1e-5,
    });
    const short = await encoder.encode(i64t([1, 10], ids.slice(0, 10)));
    assert.deepEqual(short.lastHiddenState.dims, [1, 10, d]);
    assertClose(short.lastHiddenState.data, full.lastHiddenState.data.subarray(0, 10 * d), "T = 10", { atol: 1e-6, rtol: 1e-5 });
    assert.deepEqual(short.pooledIndex, [5]);
    assertClose(short.pooled.data, full.pooled.data, "pooled at the first EOS", { atol: 1e-6, rtol: 1e-5 });
  });

  test("keys with and without text_model., with position_ids, give bit-identical outputs", async () => {
    const bare = new Map([...weights].map(([k, v]) => [k.replace(/^text_model\./, ""), v as Tensor]));
    const withIds = new Map<string, Tensor>(weights);
    withIds.set(
      "text_model.embeddings.position_ids",
      tensor(
        "i64",
        [1, 77],
        BigInt64Array.from({ length: 77 }, (_, i) => BigInt(i)),
      ),
    );
    const ids = i64t([1, 77], tokenizerIds([7, 8]));
    const want = await encoder.encode(ids);
    for (const source of [memorySource(bare), memorySource(withIds)]) {
      const other = await ClipTextEncoder.open(engine, { weights: source, config: CLIP_TEXT_TINY });
      try {
        assert.deepEqual((await other.encode(ids)).pooled.data, want.pooled.data);
      } finally {
        await other.release();
      }
    }
  });
});

describe("CLIP config", { skip: goldenSkip }, () => {
  test("config.json round trip for C1 and C1e; a full CLIPConfig is read through its text_config", () => {
    for (const name of ["C1", "C1e"]) {
      const json = manifest.configs[name]?.["hf_CLIPTextConfig"] as Record<string, unknown>;
      assert.deepEqual(clipTextHfConfig(clipTextConfigFromHf(json)), json, name);
    }
    assert.deepEqual(clipTextConfigFromHf(manifest.configs["C1"]?.["hf_CLIPTextConfig"]), CLIP_TEXT_TINY);
    assert.deepEqual(clipTextConfigFromHf(clipTextHfConfig(CLIP_L_TEXT, { dtype: "bfloat16" })), CLIP_L_TEXT);
    const full = { model_type: "clip", text_config: { ...clipTextHfConfig(CLIP_L_TEXT), model_type: undefined } };
    assert.deepEqual(clipTextConfigFromHf(full), CLIP_L_TEXT);
  });

  test("the CLIP-L preset declares 196 tensors and 123 M parameters; C1 the 36 of the golden file", async () => {
    assertDeclares(new ClipTextTransformer(CLIP_L_TEXT).parameters(), 196, 123_060_480);
    await assertFileTensors(
      goldenFile("weights/clip_c1_f32.safetensors"),
      weights.keys(),
      [...weights].map(([name, t]) => [name, t.dims]),
    );
  });

  test("refuses configs it cannot run, naming the field", () => {
    const c1 = manifest.configs["C1"]?.["hf_CLIPTextConfig"] as Record<string, unknown>;
    assert.throws(() => clipTextConfigFromHf({ ...c1, hidden_act: "gelu" }), /hidden_act "gelu" is not supported.*quick_gelu/);
    assert.throws(
      () => clipTextConfigFromHf({ ...c1, num_attention_heads: 5 }),
      /hidden_size 64 is not divisible by num_attention_heads 5/,
    );
    assert.throws(
      () => clipTextConfigFromHf({ ...c1, hidden_size: "64" }),
      (e: unknown) => e instanceof HfConfigError && /hidden_size must be a positive integer, got "64"/.test(e.message),
    );
    assert.throws(() => clipTextConfigFromHf({ ...c1, model_type: "t5" }), /model_type is "t5"/);
  });
});

describe("CLIP errors", () => {
  test("bad ids: longer than 77, out of the vocabulary, wrong rank", async () => {
    await assert.rejects(encoder.encode(i64t([1, 78], new Array<number>(78).fill(5))), (e: unknown) => {
      assert.ok(e instanceof TextEncoderInputError);
      assert.match(e.message, /78 tokens is more than its 77 positions: truncate/);
      return true;
    });
    await assert.rejects(
      encoder.encode(i64t([1, 3], [998, 1000, 999])),
      /token id 1000 at \[0, 1\] is outside the vocabulary \(vocab_size 1000\)/,
    );
    await assert.rejects(encoder.encode(i64t([1, 1, 3], [998, 5, 999])), /must be \[B, T\], got shape \[1, 1, 3\]/);
  });

  test("missing and misshaped weights name the tensor and what to check", async () => {
    const fewer = new Map(weights);
    fewer.delete("text_model.encoder.layers.1.mlp.fc2.bias");
    await assert.rejects(
      ClipTextEncoder.open(engine, { weights: memorySource(fewer, "clip.safetensors"), config: CLIP_TEXT_TINY }),
      (e: unknown) => {
        assert.ok(e instanceof MissingTensorError);
        assert.match(e.message, /encoder\.layers\.1\.mlp\.fc2\.bias missing in clip\.safetensors: .*CLIP text model checkpoint/);
        return true;
      },
    );
    await assert.rejects(
      ClipTextEncoder.open(engine, { weights: memorySource(weights), config: { ...CLIP_TEXT_TINY, maxPositions: 64 } }),
      (e: unknown) => {
        assert.ok(e instanceof ShapeMismatchError);
        assert.match(e.message, /position_embedding\.weight .* has shape \[77, 64\], expected \[64, 64\].*64 positions/);
        return true;
      },
    );
  });
});
