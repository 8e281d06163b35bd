import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { demoEdit, iceditWithRecord, useCliDemoModel } from "./fixtures.js";
import { DATA_FILE, type CacheEvent } from "../../src/weights/converted/index.js";

interface Record {
  readonly quant: string;
  readonly model: { readonly converted: readonly CacheEvent[] };
}

describe("icedit convert", () => {
  const demo = useCliDemoModel("icedit-convert-");
  const cacheDir = (): string => join(demo.dir, "converted");
  /** The arguments of the moon edit at `quant`, with the converted weights in `cache`, writing `out`. */
  const moonEdit = (quant: string, cache: string, out: string): string[] =>
    demoEdit(demo.model, "add a moon", "--steps", "2", "--width", "128", "--quant", quant, "--cache-dir", cache, "-o", out);

  const edit = async (quant: string, name: string): Promise<{ record: Record; err: string[]; image: Buffer }> => {
    const out = join(demo.dir, `${name}.png`);
    const run = await iceditWithRecord<Record>(moonEdit(quant, cacheDir(), out), join(demo.dir, `${name}.json`));
    return { record: run.json, err: run.err, image: await readFile(out) };
  };

  it("converts the transformer and T5 once; a second run finds them up to date", async () => {
    const first = await icedit(["convert", "--model", demo.model, "--quant", "int8", "--cache-dir", cacheDir()]);
    assert.equal(first.code, 0, first.err.join("\n"));
    assert.equal(first.out.length, 2);
    assert.match(first.err.join("\n"), /transformer: converting to int8 \(not converted yet\)/);
    assert.match(first.err.join("\n"), /t5: int8, block 32, .* GiB: converted in/);
    const second = await icedit(["convert", "--model", demo.model, "--quant", "int8", "--cache-dir", cacheDir(), "--verify"]);
    assert.equal(second.code, 0);
    assert.deepEqual(second.out, first.out);
    assert.match(second.err.join("\n"), /transformer: .*up to date/);
    assert.doesNotMatch(second.err.join("\n"), /converting/);
  });

  it("icedit edit --quant int8 uses the converted entries (no conversion at open), and gives the in-memory conversion's image", async () => {
    await icedit(["convert", "--model", demo.model, "--quant", "int8", "--cache-dir", cacheDir()]);
    const { record, err, image } = await edit("int8", "cached");
    assert.deepEqual(record.model.converted.map((e) => `${e.component}:${e.kind}`).sort(), ["t5:hit", "transformer:hit"]);
    assert.doesNotMatch(err.join("\n"), /converting/);
    const uncached = await icedit(moonEdit("int8", "none", join(demo.dir, "uncached.png")));
    assert.equal(uncached.code, 0);
    assert.deepEqual(await readFile(join(demo.dir, "uncached.png")), image);
  });

  it("builds on first use with --quant int4, and rebuilds a truncated entry, saying why", async () => {
    const first = await edit("int4", "int4-first");
    assert.ok(first.record.model.converted.some((e) => e.kind === "build" && e.component === "transformer"));
    assert.match(first.err.join("\n"), /transformer: converting the weights once/);
    const entry = (await readdir(cacheDir())).find((n) => n.startsWith("transformer-int4-"));
    assert.ok(entry);
    await truncate(join(cacheDir(), entry, DATA_FILE), 100);
    const again = await edit("int4", "int4-again");
    assert.match(again.err.join("\n"), /truncated \(100 of \d+ bytes\)/);
    assert.deepEqual(again.image, first.image);
  });

  it("refuses bad options with a message that says what is accepted", async () => {
    const cases: [string[], RegExp][] = [
      [["--cache-dir", cacheDir(), "--block-size", "48"], /--block-size takes 16, 32, 64, 128, 256, got 48/],
      [["--quant", "int3"], /--quant takes one of auto, int8, int4/],
      [["--quant", "int8", "--only", "vae"], /--only takes one of transformer, t5/],
    ];
    for (const [options, message] of cases) {
      const run = await icedit(["convert", "--model", demo.model, ...options]);
      assert.equal(run.code, 2, options.join(" "));
      assert.match(run.err.join("\n"), message);
    }
  });
});
