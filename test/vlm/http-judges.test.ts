import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeImage } from "../../src/image/encode.js";
import { rgbImage } from "../../src/image/rgb.js";
import {
  createJudge,
  judgeApiKey,
  JudgeCancelledError,
  JudgeHttpError,
  JudgeModelError,
  JudgeTimeoutError,
  JudgeUnreachableError,
  OllamaJudge,
  OpenAiJudge,
  pairwisePrompt,
  STRICT_REMINDER,
  type JudgeRequest,
} from "../../src/vlm/index.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { closedPort, startJudgeServer, type JudgeServer } from "./judge-server.js";

type Json = Record<string, unknown>;

async function flat(value: number): Promise<Uint8Array> {
  return encodeImage(rgbImage(4, 4, new Uint8Array(48).fill(value)), "png");
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const fast = { retryDelayMs: 10, maxRetryDelayMs: 5_000 };

describe("HTTP judges against a local server", () => {
  let server: JudgeServer;
  let dark: Uint8Array;
  let bright: Uint8Array;
  let original: Uint8Array;
  let request: JudgeRequest;

  before(async () => {
    server = await startJudgeServer(["judge-vl"]);
    dark = await flat(30);
    bright = await flat(220);
    original = await flat(128);
    request = { image1: dark, image2: bright, original, instruction: "make it brighter" };
  });
  after(async () => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });

  const openai = (options: Partial<ConstructorParameters<typeof OpenAiJudge>[0]> = {}): OpenAiJudge =>
    new OpenAiJudge({ url: `${server.url}/v1/`, model: "judge-vl", apiKey: "sk-test", http: fast, ...options });
  const ollama = (options: Partial<ConstructorParameters<typeof OllamaJudge>[0]> = {}): OllamaJudge =>
    new OllamaJudge({ url: server.url, model: "judge-vl", http: fast, ...options });

  it("OpenAI-compatible: POST /v1/chat/completions with data URLs in the order image 1, image 2, original, then the prompt", async () => {
    const verdict = await openai().compare(request);
    assert.equal(verdict.choice, 2, "the brighter candidate is image 2");
    assert.equal(verdict.retried, false);
    assert.match(verdict.raw, /^2\./);
    assert.equal(server.requests.length, 1);
    const sent = server.requests[0]!;
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/v1/chat/completions");
    assert.equal(sent.headers["authorization"], "Bearer sk-test");
    assert.equal(sent.headers["content-type"], "application/json");
    assert.deepEqual(sent.json, {
      model: "judge-vl",
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: `data:image/png;base64,${b64(dark)}` } },
            { type: "image_url", image_url: { url: `data:image/png;base64,${b64(bright)}` } },
            { type: "image_url", image_url: { url: `data:image/png;base64,${b64(original)}` } },
            { type: "text", text: pairwisePrompt("make it brighter") },
          ],
        },
      ],
      stream: false,
      max_tokens: 300,
      temperature: 0,
    });
    assert.deepEqual(openai().identity, { kind: "openai", url: `${server.url}/v1`, model: "judge-vl" });
  });

  it("Ollama: POST /api/chat with raw base64 images on the user message and stream false, no key header", async () => {
    const verdict = await ollama().compare({ ...request, image1: bright, image2: dark });
    assert.equal(verdict.choice, 1);
    const sent = server.requests[0]!;
    assert.equal(sent.path, "/api/chat");
    assert.equal(sent.headers["authorization"], undefined);
    assert.deepEqual(sent.json, {
      model: "judge-vl",
      messages: [{ role: "user", content: pairwisePrompt("make it brighter"), images: [b64(bright), b64(dark), b64(original)] }],
      stream: false,
      options: { num_predict: 300, temperature: 0 },
    });
  });

  it("asks once more with the strict reminder when the answer names neither; then counts a tie", async () => {
    server.script.push({ answer: "Both edits look equally good." }, { answer: "Image 2" });
    const retried = await openai().compare(request);
    assert.equal(retried.choice, 2);
    assert.equal(retried.retried, true);
    assert.match(retried.raw, /equally good[\s\S]*\[reminder\] Image 2/);
    const follow = server.requests[1]!.json as Json;
    const messages = follow["messages"] as Json[];
    assert.equal(messages.length, 3);
    assert.deepEqual(messages[1], { role: "assistant", content: "Both edits look equally good." });
    assert.deepEqual(messages[2], { role: "user", content: STRICT_REMINDER });
    assert.equal(((messages[0] as Json)["content"] as Json[]).length, 4, "the images are sent again with the question");

    server.requests.length = 0;
    server.script.push({ answer: "neither" }, { answer: "I really cannot say" });
    const tie = await ollama().compare(request);
    assert.equal(tie.choice, null);
    assert.equal(tie.retried, true);
    assert.equal(server.requests.length, 2);
    const ollamaFollow = (server.requests[1]!.json as Json)["messages"] as Json[];
    assert.deepEqual(ollamaFollow.slice(1), [
      { role: "assistant", content: "neither" },
      { role: "user", content: STRICT_REMINDER },
    ]);
  });

  it("retries after HTTP 500 and succeeds", async () => {
    server.script.push({ status: 500, body: "overloaded" });
    const verdict = await ollama().compare(request);
    assert.equal(verdict.choice, 2);
    assert.equal(server.requests.length, 2);
  });

  it("gives up after the retries with an error that names the status", async () => {
    for (let i = 0; i < 4; i++) server.script.push({ status: 503, body: "down" });
    await assert.rejects(
      openai({ http: { ...fast, retries: 3 } }).compare(request),
      (e: unknown) => e instanceof JudgeHttpError && e.status === 503 && /kept failing/.test(e.message),
    );
    assert.equal(server.requests.length, 4, "the first attempt and 3 retries");
  });

  it("honours Retry-After on HTTP 429", async () => {
    server.script.push({ status: 429, body: "slow down", headers: { "retry-after": "1" } });
    const started = performance.now();
    const verdict = await openai().compare(request);
    const waited = performance.now() - started;
    assert.equal(verdict.choice, 2);
    assert.equal(server.requests.length, 2);
    assert.ok(waited >= 950, `waited ${waited.toFixed(0)} ms for Retry-After: 1`);
  });

  it("fails on 4xx at once, saying what to check", async () => {
    server.script.push({ status: 401, body: JSON.stringify({ error: { message: "invalid api key" } }) });
    await assert.rejects(
      openai().compare(request),
      (e: unknown) => e instanceof JudgeHttpError && e.status === 401 && /ICEDIT_JUDGE_API_KEY or OPENAI_API_KEY/.test(e.message),
    );
    assert.equal(server.requests.length, 1, "no retry for a 4xx");
    server.script.push({ status: 404, body: JSON.stringify({ error: "model 'nope' not found" }) });
    await assert.rejects(
      ollama({ model: "nope" }).compare(request),
      (e: unknown) => e instanceof JudgeHttpError && /ollama pull nope/.test(e.message),
    );
  });

  it("honours the time-out", async () => {
    server.script.push({ delayMs: 1_500 });
    const started = performance.now();
    await assert.rejects(openai({ http: { ...fast, timeoutMs: 200 } }).compare(request), JudgeTimeoutError);
    assert.ok(performance.now() - started < 1_000, "did not wait for the slow answer");
  });

  it("stops waiting when the caller cancels", async () => {
    server.script.push({ delayMs: 1_500 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await assert.rejects(ollama().compare({ ...request, signal: controller.signal }), JudgeCancelledError);
    assert.ok(performance.now() - started < 1_000);
  });

  it("probe: reachable, key sent, model listed (Ollama adds :latest)", async () => {
    await openai().probe();
    assert.equal(server.requests[0]!.path, "/v1/models");
    assert.equal(server.requests[0]!.headers["authorization"], "Bearer sk-test");
    await ollama().probe();
    assert.equal(server.requests[1]!.path, "/api/tags");
    await assert.rejects(openai({ model: "other" }).probe(), (e: unknown) => e instanceof JudgeModelError && /judge-vl/.test(e.message));
    await assert.rejects(
      ollama({ model: "other" }).probe(),
      (e: unknown) => e instanceof JudgeModelError && /ollama pull other/.test(e.message),
    );
    await openai({ model: "other", checkModel: false }).probe();
  });

  it("probe: a closed port fails fast with JudgeUnreachableError", async () => {
    const port = await closedPort();
    for (const judge of [
      new OpenAiJudge({ url: `http://127.0.0.1:${port}/v1`, model: "m" }),
      new OllamaJudge({ url: `http://127.0.0.1:${port}`, model: "m" }),
    ]) {
      const started = performance.now();
      await assert.rejects(judge.probe(), (e: unknown) => e instanceof JudgeUnreachableError && /ECONNREFUSED/.test(e.message));
      assert.ok(performance.now() - started < 2_000);
    }
  });

  it("compare: a closed port fails after the retries with JudgeUnreachableError", async () => {
    const port = await closedPort();
    const judge = new OpenAiJudge({ url: `http://127.0.0.1:${port}/v1`, model: "m", http: { ...fast, retries: 2 } });
    await assert.rejects(judge.compare(request), JudgeUnreachableError);
  });
});

describe("createJudge", () => {
  it("takes the key from ICEDIT_JUDGE_API_KEY, else OPENAI_API_KEY (OpenAI-compatible judges only)", () => {
    assert.equal(judgeApiKey("openai", { ICEDIT_JUDGE_API_KEY: "own", OPENAI_API_KEY: "oa" }), "own");
    assert.equal(judgeApiKey("openai", { OPENAI_API_KEY: "oa" }), "oa");
    assert.equal(judgeApiKey("ollama", { OPENAI_API_KEY: "oa" }), null);
    assert.equal(judgeApiKey("ollama", { ICEDIT_JUDGE_API_KEY: "own" }), "own");
    assert.equal(judgeApiKey("openai", {}), null);
  });

  it("makes the client of the kind, with default URLs, and refuses bad settings", () => {
    const judge = createJudge({ kind: "ollama", model: "qwen2.5vl:7b" });
    assert.deepEqual(judge.identity, { kind: "ollama", url: "http://127.0.0.1:11434", model: "qwen2.5vl:7b" });
    assert.deepEqual(createJudge({ kind: "openai", url: "http://h:8000/v1/chat/completions", model: "m", apiKey: null }).identity, {
      kind: "openai",
      url: "http://h:8000/v1",
      model: "m",
    });
    assert.throws(() => createJudge({ kind: "openai", model: "" }), InvalidArgumentError);
    assert.throws(() => createJudge({ kind: "openai", model: "m", url: "ftp://x" }), InvalidArgumentError);
    assert.throws(() => createJudge({ kind: "openai", model: "m", timeoutMs: 0 }), InvalidArgumentError);
  });
});
