/**
 * The README's examples for the OpenAI-compatible endpoint, run as written against a server on
 * the trained demo: only the address (http://127.0.0.1:7860) is the test server's, and the JS
 * example's `"openai"` is resolved from this checkout. The curl example needs curl and jq: a
 * machine without them skips it and says so.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { before, describe, it } from "node:test";
import { decodeImage } from "../../../src/image/index.js";
import { demoServer, forSuite, tempDir } from "../fixtures.js";
import { pngAtDemoWidth, ROOT } from "../helpers.js";

const TOKEN = "readme-example-token-0123456789";
const README_URL = "http://127.0.0.1:7860";
/** Asynchronous: the server answering the example runs in this process. */
const run = promisify(execFile);

/** The fenced blocks of one language in the README's "### OpenAI-compatible endpoint" subsection. */
function examples(language: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("### OpenAI-compatible endpoint");
  assert.ok(start >= 0, "the README has the subsection");
  const end = readme.indexOf("\n## ", start);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] as string);
}

function found(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}

describe("the README's OpenAI-compatible examples, run", () => {
  const demo = forSuite(() => demoServer("icedit-openai-readme-", { token: TOKEN }, "trained"));
  const work = forSuite(() => tempDir("icedit-openai-readme-work-"));
  /** photo.png's [height, width, 3]: 4:3 at the model's own edit width, so the edit comes back at its size. */
  let dims: number[];
  before(async () => {
    const photo = await pngAtDemoWidth();
    dims = photo.dims;
    await writeFile(join(work().path, "photo.png"), photo.image);
  });

  async function edited(): Promise<number[]> {
    const bytes = await readFile(join(work().path, "edited.png"));
    return [...(await decodeImage(new Uint8Array(bytes))).dims];
  }

  it("the curl example writes edited.png", async (t) => {
    const [script] = examples("sh");
    assert.ok(script?.includes(`curl -sS ${README_URL}/v1/images/edits`), "the curl example, as the test expects it");
    const missing = ["curl", "jq", "base64"].filter((p) => !found(p));
    if (missing.length > 0) {
      t.skip(`${missing.join(" and ")} not found on this machine: the README's curl example was not run`);
      return;
    }
    await run("bash", ["-euo", "pipefail", "-c", script.replaceAll(README_URL, demo().url)], {
      cwd: work().path,
      env: { ...process.env, ICEDIT_TOKEN: TOKEN },
      timeout: 120_000,
    });
    assert.deepEqual(await edited(), dims);
  });

  it("the openai npm example writes edited.png", async () => {
    const [script] = examples("js");
    assert.ok(script?.includes(`baseURL: "${README_URL}/v1"`), "the JS example, as the test expects it");
    const openai = import.meta.resolve("openai");
    const file = join(work().path, "example.mjs");
    await writeFile(file, script.replaceAll(README_URL, demo().url).replace('from "openai"', `from ${JSON.stringify(openai)}`));
    await run(process.execPath, [file], { cwd: work().path, env: { ...process.env, ICEDIT_TOKEN: TOKEN }, timeout: 120_000 });
    assert.deepEqual(await edited(), dims);
  });
});
