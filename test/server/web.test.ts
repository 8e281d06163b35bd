import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { demoServer, demoServerWithJudge, type DemoServer, type DemoServerWithJudge } from "./fixtures.js";
import { scoreEdit } from "../../src/demo/eval/score.js";
import { sampleEditExample } from "../../src/demo/scenes/edit-example.js";
import { readTrainedDemo } from "../../src/demo/trained-demo.js";
import { decodeImage } from "../../src/image/decode.js";
import { ensureDebianPackages, png, ROOT, waitFor } from "./helpers.js";

/** Flags that work on these machines (no GPU, no network but loopback, running as root). */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const OUTPUT = join(ROOT, "test-output", "server");

/**
 * Waits until a page expression is true. (page.waitForFunction evaluates with eval(), which the
 * page's Content-Security-Policy rightly forbids; page.evaluate goes through the debugger.)
 */
async function shown(page: Page, expression: string): Promise<void> {
  await waitFor(expression, async () => ((await page.evaluate(expression)) === true ? true : undefined), 60_000, 50);
}

describe("icedit serve: the web page in headless Chromium", () => {
  let demo: DemoServerWithJudge;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureDebianPackages("chromium");
    demo = await demoServerWithJudge("icedit-web-");
    // launch() gives the browser a fresh, temporary --user-data-dir of its own.
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
    page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it("drops an image, runs an edit with live progress, shows the result with the comparison slider, offers the download and the history", async () => {
    await page.goto(demo.url);
    await page.getByText(/Server ready/).waitFor();

    // Drop a PNG on the drop zone, as a person dragging a file from their desktop would.
    // (Browser-side code is passed as text: this project compiles without the DOM types.)
    const bytes = JSON.stringify(Array.from(await png(96, 64)));
    await page.evaluate(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(${bytes})], "garden.png", { type: "image/png" }));
      const zone = document.getElementById("drop-zone");
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })()`);
    await page.locator("#picked-preview").waitFor({ state: "visible" });
    assert.match(await page.locator("#drop-hint").innerText(), /garden\.png/);

    // Every control has a label; the dice works from the keyboard.
    await page.getByLabel("Instruction").fill("make the sky green");
    await page.getByLabel("Steps", { exact: true }).fill("2");
    await page.getByLabel("Width").fill("64");
    const seedBefore = await page.getByLabel("Seed", { exact: true }).inputValue();
    await page.getByRole("button", { name: "Random seed" }).focus();
    await page.keyboard.press("Enter");
    const seed = await page.getByLabel("Seed", { exact: true }).inputValue();
    assert.notEqual(seed, seedBefore);
    assert.match(seed, /^\d+$/);
    await page.getByLabel("Guidance").fill("30");

    const statuses: string[] = [];
    await page.exposeFunction("recordStatus", (text: string) => statuses.push(text));
    await page.evaluate(`(() => {
      // Every text the page gives the status line, as it is set: several progress events can arrive
      // in one chunk of the stream and be shown within one task, which a MutationObserver would see
      // only as the last one.
      const status = document.getElementById("status");
      const text = Object.getOwnPropertyDescriptor(Node.prototype, "textContent");
      Object.defineProperty(status, "textContent", {
        get() { return text.get.call(this); },
        set(value) { window.recordStatus(String(value)); text.set.call(this, value); },
      });
    })()`);
    await page.getByRole("button", { name: "Edit", exact: true }).click();

    const result = page.locator("#result-image");
    await result.waitFor({ state: "visible", timeout: 60_000 });
    await shown(
      page,
      `(() => {
      const after = document.getElementById("result-image");
      const before = document.getElementById("source-image");
      return after.complete && after.naturalWidth > 0 && before.complete && before.naturalWidth > 0;
    })()`,
    );
    assert.deepEqual(
      await page.evaluate(
        `(() => { const img = document.getElementById("result-image"); return [img.naturalWidth, img.naturalHeight]; })()`,
      ),
      [64, 48],
    );
    assert.ok(
      statuses.some((s) => /step \d of 2/.test(s)),
      `live progress seen: ${statuses.join(" | ")}`,
    );
    assert.match(await page.locator("#status").innerText(), /^Done in/);

    // The comparison slider moves with the keyboard and uncovers the before image.
    const slider = page.getByRole("slider");
    await slider.focus();
    for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowLeft");
    assert.equal(await slider.inputValue(), "30");
    assert.equal(await page.evaluate(`document.getElementById("after-layer").style.clipPath`), "inset(0px 0px 0px 30%)");

    const download = page.getByRole("link", { name: "Download the result" });
    assert.match((await download.getAttribute("href")) ?? "", /^blob:/);
    assert.match((await download.getAttribute("download")) ?? "", /^ed_[0-9a-z]{20}\.png$/);
    const record = JSON.parse((await page.locator("#record").textContent()) ?? "{}") as { seed: number; guidance: number };
    assert.equal(record.seed, Number(seed));
    assert.equal(record.guidance, 30);

    const history = page.locator("#history li");
    await history.first().waitFor();
    assert.match(await history.first().innerText(), /make the sky green/);
    assert.match(await history.first().innerText(), /done/);

    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "web-e2e.png"), fullPage: true });
    assert.deepEqual(pageErrors, [], "no script errors on the page");
  });

  it("runs noise selection: the judge's verdicts live, then the candidates' grid with the winner", async () => {
    await page.goto(demo.url);
    const selection = page.getByRole("group", { name: "Noise selection" });
    await shown(page, `!document.getElementById("noise-selection").disabled`);
    await page.locator("#image-input").setInputFiles({ name: "garden.png", mimeType: "image/png", buffer: Buffer.from(await png(64, 48)) });
    await page.getByLabel("Instruction").fill("add a rainbow");
    await page.getByLabel("Steps", { exact: true }).fill("3");
    await page.getByLabel("Width").fill("64");
    await selection.getByLabel("Try several seeds").check();
    await selection.getByLabel("Candidates").fill("3");
    await selection.getByLabel("Early steps").fill("1");
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const grid = page.getByAltText(/The candidates' early previews/);
    await grid.waitFor({ state: "visible", timeout: 60_000 });
    await shown(page, `document.getElementById("candidates-image").naturalWidth > 0`);
    assert.equal(await page.locator("#tournament li").count(), 2, "two comparisons for three candidates");
    assert.match(await page.locator("#winner").innerText(), /^Winner: seed \d+ of 3/);
    await page.locator("#result-image").waitFor({ state: "visible" });
    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "web-e2e-noise-selection.png"), fullPage: true });
    assert.deepEqual(pageErrors, [], "no script errors on the page");
  });

  it("says what was wrong when the server refuses a submission", async () => {
    await page.goto(demo.url);
    await page
      .locator("#image-input")
      .setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just text, not a picture") });
    await page.getByLabel("Instruction").fill("make the sky green");
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor({ state: "visible" });
    assert.match(await alert.innerText(), /not an image in a supported format/);
  });
});

describe("icedit serve --model <trained demo>: a real edit on the web page", () => {
  let demo: DemoServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    ensureDebianPackages("chromium");
    demo = await demoServer("icedit-web-trained-", {}, "trained");
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it("takes the model's width, guidance and true CFG scale, and the edit of the example passes the pixel rule", async () => {
    const { recipe } = await readTrainedDemo();
    const example = sampleEditExample(recipe.example.seed, undefined, { size: recipe.example.size });
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(demo.url);
    await page.getByText(/Server ready/).waitFor();
    assert.equal(await page.getByLabel("Width").inputValue(), String(recipe.edit.width));
    assert.equal(await page.getByLabel("Guidance").inputValue(), String(recipe.edit.guidance));
    assert.equal(await page.getByLabel("True CFG").inputValue(), String(recipe.edit.trueCfgScale), "the model's true CFG scale");
    await page.locator("#image-input").setInputFiles(join(demo.model, "example.png"));
    await page.getByLabel("Instruction").fill(recipe.example.instruction);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.locator("#result-image").waitFor({ state: "visible", timeout: 120_000 });
    await shown(page, `(() => { const img = document.getElementById("result-image"); return img.complete && img.naturalWidth > 0; })()`);

    const list = (await (await fetch(`${demo.url}/v1/edits?limit=1`)).json()) as {
      items: { params: { width: number; guidance: number; trueCfgScale: number }; urls: { image: string } }[];
    };
    const job = list.items[0];
    assert.ok(job, "the edit is listed");
    assert.deepEqual(
      [job.params.width, job.params.guidance, job.params.trueCfgScale],
      [recipe.edit.width, recipe.edit.guidance, recipe.edit.trueCfgScale],
    );
    const edited = await decodeImage(new Uint8Array(await (await fetch(new URL(job.urls.image, demo.url))).arrayBuffer()));
    const score = await scoreEdit({ ...example, edited });
    assert.ok(score.passed, `"${recipe.example.instruction}" on the page: ${score.reason}`);

    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "web-trained-demo.png"), fullPage: true });
    assert.deepEqual(pageErrors, [], "no script errors on the page");
  });
});
