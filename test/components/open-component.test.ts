import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLIP_TEXT_TINY } from "../../src/models/clip/config.js";
import { randomClipTextWeights } from "../../src/demo/init/clip.js";
import { ClipTextEncoder } from "../../src/components/text/clip.js";
import { precisionOf } from "../../src/components/precision.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { Engine } from "../../src/runtime/engine.js";
import { SessionPool } from "../../src/runtime/session-pool.js";
import { memorySource } from "../../src/weights/memory-source.js";
import type { TensorSource } from "../../src/weights/source.js";
import { tensor, type Tensor } from "../../src/tensor.js";

const weights = randomClipTextWeights(CLIP_TEXT_TINY, 3);

function ids(): Tensor<"i64"> {
  return tensor(
    "i64",
    [1, 5],
    BigInt64Array.from([1, 5, 9, 2, 2], (v) => BigInt(v)),
  );
}

describe("openComponent (through ClipTextEncoder.open)", () => {
  let engine: Engine;
  before(() => {
    engine = new Engine();
  });
  after(async () => {
    await engine.close();
  });

  it("refuses a quantized precision for a component without a quantized form", async () => {
    await assert.rejects(
      ClipTextEncoder.open(engine, { weights: memorySource(weights), config: CLIP_TEXT_TINY, precision: precisionOf("int8") }),
      (e: unknown) => e instanceof InvalidArgumentError && /has no quantized form: open it with precision f32/.test(e.message),
    );
  });

  it("refuses a pooled component given an open source (it could not be read again) or taps", async () => {
    const pool = new SessionPool(Number.POSITIVE_INFINITY);
    try {
      await assert.rejects(
        ClipTextEncoder.open(engine, { weights: memorySource(weights), config: CLIP_TEXT_TINY, lazy: pool.lazy("clip", 0) }),
        /give a function that opens them/,
      );
      const open = async (): Promise<TensorSource> => memorySource(weights);
      await assert.rejects(
        ClipTextEncoder.open(engine, { weights: open, config: CLIP_TEXT_TINY, taps: ["embeddings"], lazy: pool.lazy("clip", 0) }),
        /taps are for/,
      );
    } finally {
      await pool.close();
    }
  });

  it("opens the same model now or pooled: the file is checked at open, read at the first run, and both give the same output", async () => {
    const eager = await ClipTextEncoder.open(engine, { weights: memorySource(weights), config: CLIP_TEXT_TINY });
    const pool = new SessionPool(Number.POSITIVE_INFINITY);
    let opens = 0;
    const open = async (): Promise<TensorSource> => {
      opens++;
      return memorySource(weights);
    };
    try {
      const pooled = await ClipTextEncoder.open(engine, { weights: open, config: CLIP_TEXT_TINY, lazy: pool.lazy("clip", 0) });
      assert.equal(opens, 1, "checked at open");
      const a = await eager.encode(ids());
      const b = await pooled.encode(ids());
      assert.equal(opens, 2, "read at the first run");
      assert.deepEqual(b.pooled.data, a.pooled.data);
      assert.deepEqual(b.lastHiddenState.data, a.lastHiddenState.data);
    } finally {
      await pool.close();
      await eager.release();
    }
  });
});
