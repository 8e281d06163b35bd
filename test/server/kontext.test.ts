/**
 * `icedit serve` on the FLUX.1 Kontext demo model (random weights, edits at the image's own size):
 * both doors (/v1/edits and OpenAI's /v1/images/edits) run the Kontext method with its defaults
 * (guidance 2.5, the output at the size Kontext resizes the image to, no diptych width), the job
 * and its record name the method, and the server's edit equals the library's for the same settings;
 * noise selection (candidates, quality high) runs with the server's judge (the rule judge here);
 * the web page (headless Chromium) says Kontext, offers its sizes and noise selection, and edits.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { EDIT_DEFAULTS, IceditSession, KONTEXT_DEFAULTS } from "../../src/index.js";
import { RULE_JUDGE_NAME } from "../../src/demo/eval/rule-judge.js";
import { makeKontextDemoModel } from "../api/fixtures.js";
import { decodeImage } from "../../src/image/index.js";
import { startServer } from "../../src/server/server.js";
import { bytesOf, forSuite, tempDir, type Closable } from "./fixtures.js";
import { ensureDebianPackages, followEvents, getJob, json, png, submit, waitFor, type ErrorReply } from "./helpers.js";
import { chromium } from "playwright-core";

interface KontextServer extends Closable {
  readonly url: string;
  readonly model: string;
}

/** The Kontext demo in a temp dir and an in-process server on it, with the rule judge for noise selection. */
async function kontextServer(): Promise<KontextServer> {
  const temp = await tempDir("icedit-kontext-serve-");
  try {
    const model = join(temp.path, "demo-kontext");
    await makeKontextDemoModel(model);
    const judge = { kind: "rule", model: RULE_JUDGE_NAME } as const;
    const server = await startServer({ port: 0, dataDir: join(temp.path, "data"), session: { model }, judge });
    return {
      url: server.url,
      model,
      close: async () => {
        await server.close();
        await temp.close();
      },
    };
  } catch (error) {
    await temp.close();
    throw error;
  }
}

interface KontextJob {
  id: string;
  status: string;
  method: string | null;
  params: Record<string, unknown>;
  record: { method: string; guidance: number; steps: number; output: { width: number; height: number } } | null;
  urls: { image: string | null };
}

describe("icedit serve --model <Kontext demo>", () => {
  const server = forSuite(kontextServer);
  let image: Uint8Array;
  before(async () => {
    image = await png(80, 48);
  });

  /** Submits on /v1/edits, follows the job to its end, returns it and its image's pixels. */
  const edit = async (fields: Record<string, string | number>) => {
    const submitted = await submit(server().url, image, { instruction: "make the sky green", ...fields });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const events = await followEvents(server().url, submitted.body.id);
    assert.equal(events.at(-1)?.event, "done", JSON.stringify(events.at(-1)));
    const job = (await getJob(server().url, submitted.body.id)) as unknown as KontextJob;
    const pixels = await decodeImage(await bytesOf(new URL(job.urls.image ?? "", server().url).href));
    return { submitted: submitted.body as unknown as KontextJob, job, pixels };
  };

  it("/v1/edits: Kontext's defaults (no width: the resized size), the method in the job and its record, the library's pixels", async () => {
    const { submitted, job, pixels } = await edit({ steps: 2, seed: 3 });
    assert.deepEqual(submitted.params, { instruction: "make the sky green", method: "kontext", seed: 3, steps: 2, guidance: 2.5 });
    assert.equal(submitted.method, "kontext");
    assert.equal(job.method, "kontext");
    assert.equal(job.record?.method, "kontext");
    assert.equal(job.record?.guidance, KONTEXT_DEFAULTS.guidance);
    assert.deepEqual(job.record?.output, { width: 80, height: 48 }, "the demo keeps the image's size; no 512 diptych width");
    assert.deepEqual(pixels.dims, [48, 80, 3]);

    const session = await IceditSession.open({ model: server().model, embeddingCacheDir: null, convertedCacheDir: null });
    try {
      const library = await session.edit(await decodeImage(image), "make the sky green", { steps: 2, seed: 3 });
      assert.deepEqual(pixels.data, library.image.data, "the server's edit is the library's");
    } finally {
      await session.close();
    }
  });

  it("/v1/edits: width and height make any output size; method icedit and unknown methods are refused", async () => {
    const { job, pixels } = await edit({ steps: 1, width: 32, height: 64, method: "kontext" });
    assert.deepEqual([job.params["width"], job.params["height"]], [32, 64]);
    assert.deepEqual(pixels.dims, [64, 32, 3]);

    const refused = async (fields: Record<string, string>, code: string, message: RegExp): Promise<void> => {
      const reply = await submit(server().url, image, { instruction: "x", ...fields });
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      const body = reply.body as ErrorReply;
      assert.equal(body.error.code, code);
      assert.match(body.error.message, message);
    };
    await refused(
      { method: "icedit" },
      "method_not_served",
      /^method: this server's model is FLUX\.1 Kontext \[dev\].*send method kontext/,
    );
    await refused({ method: "fill" }, "invalid_parameter", /^method: takes icedit or kontext/);
    await refused({ width: "40" }, "invalid_parameter", /^width: must be a multiple of 16/);
  });

  it("noise selection with Kontext: candidates on /v1/edits, quality high on /v1/images/edits, the winner in the record", async () => {
    const instruction = "make the background red"; // one the rule judge reads
    const { job, pixels } = await edit({ instruction, steps: 2, seed: 3, candidates: 2, early_steps: 1 });
    const record = job.record as KontextJob["record"] & { seed: number; tournament: { candidates: number[]; winner: number; nfe: number } };
    assert.equal(record.method, "kontext");
    assert.deepEqual(record.tournament.candidates, [3, 4]);
    assert.equal(record.seed, record.tournament.winner);
    assert.equal(record.tournament.nfe, 2 * 1 + 1);
    assert.deepEqual(pixels.dims, [48, 80, 3], "the winner at the resized size");
    const sheet = await fetch(new URL(`/v1/edits/${job.id}/candidates`, server().url));
    assert.equal(sheet.status, 200);

    const form = new FormData();
    form.append("image", new Blob([image], { type: "image/png" }), "in.png");
    for (const [name, value] of Object.entries({ prompt: instruction, quality: "high", steps: "2" })) form.append(name, value);
    const response = await fetch(`${server().url}/v1/images/edits`, { method: "POST", body: form });
    assert.equal(response.status, 200, await response.clone().text());
    const high = (await getJob(server().url, response.headers.get("x-icedit-jobs") ?? "")) as unknown as {
      record: { method: string; tournament: { candidates: number[] } };
    };
    assert.equal(high.record.method, "kontext");
    assert.equal(high.record.tournament.candidates.length, EDIT_DEFAULTS.candidates);
  });

  it("/v1/images/edits: size auto is the resized size, WxH any size; /healthz and /v1/models say Kontext", async () => {
    const post = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.append("image", new Blob([image], { type: "image/png" }), "in.png");
      for (const [name, value] of Object.entries({ prompt: "add a moon", steps: "1", ...fields })) form.append(name, value);
      return json<{ data: { b64_json: string; revised_prompt: string }[] } & ErrorReply>(
        await fetch(`${server().url}/v1/images/edits`, { method: "POST", body: form }),
      );
    };
    const pixelsOf = async (b64: string | undefined) => (await decodeImage(new Uint8Array(Buffer.from(b64 ?? "", "base64")))).dims;

    const auto = await post({});
    assert.equal(auto.status, 200, JSON.stringify(auto.body));
    assert.deepEqual(await pixelsOf(auto.body.data[0]?.b64_json), [48, 80, 3]);
    assert.equal(auto.body.data[0]?.revised_prompt, "add a moon", "Kontext's prompt is the instruction, no diptych wrapper");
    const sized = await post({ size: "64x64" });
    assert.equal(sized.status, 200, JSON.stringify(sized.body));
    assert.deepEqual(await pixelsOf(sized.body.data[0]?.b64_json), [64, 64, 3], "Kontext makes any size (ICEdit keeps the aspect)");
    const wrong = await post({ method: "icedit" });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.message, /^method: this server's model is FLUX\.1 Kontext/);

    const health = await json<{ method: string; edit_defaults: unknown }>(await fetch(`${server().url}/healthz`));
    assert.equal(health.body.method, "kontext");
    assert.deepEqual(health.body.edit_defaults, { width: null, guidance: KONTEXT_DEFAULTS.guidance, true_cfg_scale: null });
    const models = await json<{ data: { id: string; description: string }[] }>(await fetch(`${server().url}/v1/models`));
    assert.match(models.body.data[0]?.description ?? "", /^FLUX\.1 Kontext on a local FLUX\.1 Kontext \[dev\] folder with no adapter$/);
  });

  it("the web page names the method, leaves the width to Kontext, offers a height and noise selection, and edits", async () => {
    ensureDebianPackages("chromium");
    const flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"];
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags, timeout: 60_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(server().url);
      await page.getByText(/Server ready .* FLUX\.1 Kontext/).waitFor();
      assert.equal(await page.getByLabel("Width").inputValue(), "", "no diptych width: Kontext keeps the resized size");
      assert.equal(await page.getByLabel("Width").getAttribute("placeholder"), "auto");
      assert.equal(await page.getByLabel("Guidance").inputValue(), String(KONTEXT_DEFAULTS.guidance));
      assert.ok(await page.getByLabel("Height").isVisible(), "Kontext makes any height");
      assert.match(await page.locator("#size-hint").innerText(), /FLUX\.1 Kontext edits the image at the preferred size/);
      assert.equal(
        await page.evaluate(`document.getElementById("noise-selection").disabled`),
        false,
        "the server's judge works with Kontext",
      );
      assert.match(await page.locator("#selection-hint").innerText(), /The judge compares the candidates' early previews/);

      await page.locator("#image-input").setInputFiles({ name: "in.png", mimeType: "image/png", buffer: Buffer.from(image) });
      await page.getByLabel("Instruction").fill("add a moon");
      await page.getByLabel("Steps", { exact: true }).fill("1");
      await page.getByLabel("Height").fill("32");
      await page.getByRole("button", { name: "Edit", exact: true }).click();
      await page.locator("#result-image").waitFor({ state: "visible", timeout: 60_000 });
      assert.match(await page.locator("#job-instruction").innerText(), /1 steps · FLUX\.1 Kontext$/);
      const naturalSize = `(() => { const img = document.getElementById("result-image"); return img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : undefined; })()`;
      const size = await waitFor("the result on the page", async () => (await page.evaluate(naturalSize)) as number[] | undefined);
      assert.deepEqual(size, [48, 32], "height 32, the width following the resized 80x48's aspect");
      assert.deepEqual(pageErrors, [], "no script errors on the page");
    } finally {
      await browser.close();
    }
  });
});
