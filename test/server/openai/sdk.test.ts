/**
 * The OpenAI-compatible endpoint through the official `openai` npm package, against an in-process
 * server on the trained demo model (its icedit.json: width 64, guidance 1).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import OpenAI, { toFile } from "openai";
import { decodeImage } from "../../../src/image/index.js";
import { demoServer, forSuite } from "../fixtures.js";
import { png } from "../helpers.js";

const TOKEN = "openai-sdk-test-token-0123456789";

describe("POST /v1/images/edits through the openai SDK (trained demo)", () => {
  const demo = forSuite(() => demoServer("icedit-openai-sdk-", { token: TOKEN, limits: { maxQueued: 8 } }, "trained"));
  let image: Uint8Array;
  let client: OpenAI;
  before(async () => {
    image = await png(64, 48);
    client = new OpenAI({ baseURL: `${demo().url}/v1`, apiKey: TOKEN, maxRetries: 0, timeout: 120_000 });
  });

  it("edits: a PNG of the input's size, with the IC prompt as revised_prompt", async () => {
    const started = Date.now();
    const result = await client.images.edit({
      model: "icedit",
      image: await toFile(Buffer.from(image), "in.png", { type: "image/png" }),
      prompt: "make the square red",
      response_format: "b64_json",
    });
    console.log(`# one edit: ${Date.now() - started} ms`, JSON.stringify(result.usage));
    assert.equal(result.data?.length, 1);
    const b64 = result.data?.[0]?.b64_json;
    assert.ok(b64);
    const bytes = Buffer.from(b64, "base64");
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG signature");
    const pixels = await decodeImage(new Uint8Array(bytes));
    assert.deepEqual(pixels.dims, [48, 64, 3]);
    assert.match(result.data?.[0]?.revised_prompt ?? "", /make the square red/);
  });
});
