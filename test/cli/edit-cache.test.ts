import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { demoEdit, editArgs, iceditWithRecord, useCliDemoModel, useNoModelFolder } from "./fixtures.js";

interface CacheRecord {
  textTokens: number;
  fill: { cache?: { kind: string; threshold: number; skippedSteps: number[] } };
}

describe("icedit edit --cache and --max-text-tokens", () => {
  const folder = useNoModelFolder("icedit-cache-flags-");
  const demo = useCliDemoModel("icedit-cache-");

  it("bad values are usage errors before the model is looked for", async () => {
    const cases: [string[], RegExp][] = [
      [["--cache", "foo"], /--cache takes none, fbcache\[:threshold\] or teacache\[:threshold\].*got "foo"/],
      [["--cache", "fbcache:-1"], /--cache takes .*got "fbcache:-1"/],
      [["--max-text-tokens", "0"], /--max-text-tokens takes a whole number from 1 to 512, got "0"/],
      [["--max-text-tokens", "513"], /--max-text-tokens takes a whole number from 1 to 512, got "513"/],
    ];
    for (const [args, pattern] of cases) {
      const r = await icedit(editArgs(folder.noModel, folder.image, "x", "--offline", "-o", join(folder.dir, "o.png"), ...args));
      assert.equal(r.code, 2, r.err.join("\n"));
      assert.match(r.err.join("\n"), pattern);
    }
  });

  it("--cache none writes the same bytes as no --cache; a huge fbcache threshold lists the skipped steps; --max-text-tokens is recorded", async () => {
    const quick = ["--steps", "4", "--width", "64", "--seed", "3"];
    const run = (name: string, ...extra: string[]) =>
      iceditWithRecord<CacheRecord>(
        demoEdit(demo.model, "make the sky green", ...quick, "-o", join(demo.dir, `${name}.png`), ...extra),
        join(demo.dir, `${name}.json`),
      );
    const plain = await run("plain");
    const none = await run("none", "--cache", "none");
    assert.deepEqual(await readFile(join(demo.dir, "none.png")), await readFile(join(demo.dir, "plain.png")));
    assert.equal(none.json.fill.cache, undefined);
    assert.equal(plain.json.fill.cache, undefined);
    const cached = await run("cached", "--cache", "fbcache:1e9", "--max-text-tokens", "16");
    assert.deepEqual(cached.json.fill.cache, { kind: "fbcache", threshold: 1e9, skippedSteps: [2, 3] });
    assert.equal(cached.json.textTokens, 16);
  });
});
