/**
 * The OpenAI-compatible endpoint through the official `openai` npm package, against an in-process
 * server on the trained demo model (its icedit.json's width, guidance and true CFG scale).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import OpenAI, { AuthenticationError, BadRequestError, toFile } from "openai";
import { decodeImage } from "../../../src/image/index.js";
import { demoServer, forSuite } from "../fixtures.js";
import { pngAtDemoWidth } from "../helpers.js";

const TOKEN = "openai-sdk-test-token-0123456789";
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("POST /v1/images/edits through the openai SDK (trained demo)", () => {
  const demo = forSuite(() => demoServer("icedit-openai-sdk-", { token: TOKEN, limits: { maxQueued: 8 } }, "trained"));
  let image: Uint8Array;
  /** The input's [height, width, 3]: 4:3 at the model's own edit width, so an edit comes back at the input's size. */
  let dims: number[];
  let client: OpenAI;
  const upload = (bytes: Uint8Array = image, name = "in.png"): Promise<File> => toFile(Buffer.from(bytes), name, { type: "image/png" });
  before(async () => {
    ({ image, dims } = await pngAtDemoWidth());
    client = new OpenAI({ baseURL: `${demo().url}/v1`, apiKey: TOKEN, maxRetries: 0, timeout: 120_000 });
  });

  it("edits: a PNG of the input's size, with the IC prompt as revised_prompt and image tokens as usage", async () => {
    const result = await client.images.edit({
      model: "icedit",
      image: await upload(),
      prompt: "make the square red",
      response_format: "b64_json",
    });
    assert.equal(result.data?.length, 1);
    const bytes = Buffer.from(result.data?.[0]?.b64_json ?? "", "base64");
    assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE);
    const pixels = await decodeImage(new Uint8Array(bytes));
    assert.deepEqual(pixels.dims, dims);
    assert.match(
      result.data?.[0]?.revised_prompt ?? "",
      /^A diptych with two side-by-side images of the same scene\..*make the square red/,
    );
    // Each half of the diptych is (width / 16) x (height / 16) tokens of 16x16 pixels: as many source tokens in as edited tokens out.
    const half = ((dims[0] as number) / 16) * ((dims[1] as number) / 16);
    assert.deepEqual(result.usage, {
      input_tokens: half,
      output_tokens: half,
      total_tokens: 2 * half,
      input_tokens_details: { image_tokens: half, text_tokens: 0 },
    });
    assert.ok(Math.abs((result.created ?? 0) - Date.now() / 1000) < 120, `created ${result.created} is now, in Unix seconds`);
  });

  it("n: 2 gives two different images (seeds 42 and 43), both the right size", async () => {
    const result = await client.images.edit({ model: "icedit-moe", image: await upload(), prompt: "make the square red", n: 2 });
    assert.equal(result.data?.length, 2);
    const [a, b] = (result.data ?? []).map((d) => Buffer.from(d.b64_json ?? "", "base64"));
    assert.ok(a && b);
    assert.notDeepEqual(a, b, "two seeds, two images");
    for (const bytes of [a, b]) assert.deepEqual((await decodeImage(new Uint8Array(bytes))).dims, dims);
  });

  it("the same request and seed give the same image (icedit's seed 42 unless the form names one)", async () => {
    const first = await client.images.edit({ image: await upload(), prompt: "make the square red", n: 2 });
    const again = await client.images.edit({ image: await upload(), prompt: "make the square red" });
    assert.equal(again.data?.[0]?.b64_json, first.data?.[0]?.b64_json);
  });

  it("size WxH sets the width (the height keeps the aspect); output_format jpeg comes back as JPEG", async () => {
    const result = await client.images.edit({ image: await upload(), prompt: "make it blue", size: "32x32", output_format: "jpeg" });
    assert.equal(result.size, "32x32");
    const bytes = Buffer.from(result.data?.[0]?.b64_json ?? "", "base64");
    assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "a JPEG start of image");
    assert.deepEqual((await decodeImage(new Uint8Array(bytes))).dims, [32, 32, 3]); // 4:3 at width 32: 24 rounds to 32
  });

  it("a size whose height the aspect does not give is a BadRequestError naming size and the size to send", async () => {
    const error = await client.images.edit({ image: await upload(), prompt: "x", size: "1024x1024" }).catch((e: unknown) => e);
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.param, "size");
    assert.match(error.message, /comes out 1024x768.*"1024x768"/);
  });

  it("response_format url points at icedit's own image route", async () => {
    const result = await client.images.edit({ image: await upload(), prompt: "make the square red", response_format: "url" });
    const url = result.data?.[0]?.url ?? "";
    assert.match(url, new RegExp(`^${demo().url}/v1/edits/ed_[0-9a-z]{20}/image$`));
    const fetched = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(fetched.status, 200);
    assert.deepEqual((await decodeImage(new Uint8Array(await fetched.arrayBuffer()))).dims, dims);
  });

  it("a corrupt image raises BadRequestError in OpenAI's error shape", async () => {
    const broken = image.slice(0, 60); // a PNG cut short after its header
    const error = await client.images.edit({ image: await upload(broken), prompt: "make it red" }).catch((e: unknown) => e);
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, "corrupt_image");
    assert.equal(error.type, "invalid_request_error");
  });

  it("two images are a BadRequestError that says a job edits one", async () => {
    const error = await client.images.edit({ image: [await upload(), await upload()], prompt: "make it red" }).catch((e: unknown) => e);
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.code, "too_many_images");
    assert.equal(error.param, "image[]");
    assert.match(error.message, /a job edits one image \(ICEdit takes no reference images/);
  });

  it("an unknown model is a BadRequestError listing the server's models; GET /v1/models lists them", async () => {
    const error = await client.images.edit({ model: "gpt-image-1", image: await upload(), prompt: "x" }).catch((e: unknown) => e);
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.param, "model");
    assert.match(error.message, /runs icedit, icedit-moe, not "gpt-image-1"/);
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    assert.deepEqual(
      models.map((m) => [m.id, m.object, m.owned_by]),
      [
        ["icedit", "model", "icedit"],
        ["icedit-moe", "model", "icedit"],
      ],
    );
    assert.equal((await client.models.retrieve("icedit-moe")).id, "icedit-moe");
  });

  it("a wrong key raises AuthenticationError", async () => {
    const wrong = new OpenAI({ baseURL: `${demo().url}/v1`, apiKey: "not-the-token", maxRetries: 0 });
    const error = await wrong.images.edit({ image: await upload(), prompt: "make it red" }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.type, "authentication_error");
    const listing = await wrong.models.list().catch((e: unknown) => e);
    assert.ok(listing instanceof AuthenticationError, String(listing));
  });
});
