import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { DATA_FILE, type CacheEvent } from "../../src/weights/converted/index.js";

interface Record {
  readonly quant: string;
  readonly model: { readonly converted: readonly CacheEvent[] };
}

describe("icedit convert", () => {
  let dir: string;
  let model: string;
  let cache: string;

  const edit = async (quant: string, name: string): Promise<{ record: Record; err: string[]; image: Buffer }> => {
    const out = join(dir, `${name}.png`);
    const json = join(dir, `${name}.json`);
    const run = await icedit([
      "edit",
      "--model",
      model,
      "--image",
      join(model, "example.png"),
      "--instruction",
      "add a moon",
      "--steps",
      "2",
      "--quant",
      quant,
      "--cache-dir",
      cache,
      "-o",
      out,
      "--json",
      json,
    ]);
    assert.equal(run.code, 0, run.err.join("\n"));
    return { record: JSON.parse(await readFile(json, "utf8")) as Record, err: run.err, image: await readFile(out) };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-convert-"));
    model = join(dir, "demo");
    cache = join(dir, "converted");
    assert.equal((await icedit(["make-demo-model", model])).code, 0);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("converts the transformer and T5 once; a second run finds them up to date", async () => {
    const first = await icedit(["convert", "--model", model, "--cache-dir", cache]);
    assert.equal(first.code, 0, first.err.join("\n"));
    assert.equal(first.out.length, 2);
    assert.match(first.err.join("\n"), /transformer: converting to int8 \(not converted yet\)/);
    assert.match(first.err.join("\n"), /t5: int8, block 32, .* GiB: converted in/);
    const second = await icedit(["convert", "--model", model, "--cache-dir", cache, "--verify"]);
    assert.equal(second.code, 0);
    assert.deepEqual(second.out, first.out);
    assert.match(second.err.join("\n"), /transformer: .*up to date/);
    assert.doesNotMatch(second.err.join("\n"), /converting/);
  });

  it("icedit edit --quant int8 uses the converted entries (no conversion at open), and gives the in-memory conversion's image", async () => {
    await icedit(["convert", "--model", model, "--cache-dir", cache]);
    const { record, err, image } = await edit("int8", "cached");
    assert.deepEqual(record.model.converted.map((e) => `${e.component}:${e.kind}`).sort(), ["t5:hit", "transformer:hit"]);
    assert.doesNotMatch(err.join("\n"), /converting/);
    const uncached = await icedit([
      "edit",
      "--model",
      model,
      "--image",
      join(model, "example.png"),
      "--instruction",
      "add a moon",
      "--steps",
      "2",
      "--quant",
      "int8",
      "--cache-dir",
      "none",
      "-o",
      join(dir, "uncached.png"),
    ]);
    assert.equal(uncached.code, 0);
    assert.deepEqual(await readFile(join(dir, "uncached.png")), image);
  });

  it("builds on first use with --quant int4, and rebuilds a truncated entry, saying why", async () => {
    const first = await edit("int4", "int4-first");
    assert.ok(first.record.model.converted.some((e) => e.kind === "build" && e.component === "transformer"));
    assert.match(first.err.join("\n"), /transformer: converting the weights once/);
    const entry = (await readdir(cache)).find((n) => n.startsWith("transformer-int4-"));
    assert.ok(entry);
    await truncate(join(cache, entry, DATA_FILE), 100);
    const again = await edit("int4", "int4-again");
    assert.match(again.err.join("\n"), /truncated \(100 of \d+ bytes\)/);
    assert.deepEqual(again.image, first.image);
  });

  it("refuses bad options with a message that says what is accepted", async () => {
    const blocks = await icedit(["convert", "--model", model, "--cache-dir", cache, "--block-size", "48"]);
    assert.equal(blocks.code, 2);
    assert.match(blocks.err.join("\n"), /--block-size takes 16, 32, 64, 128, 256, got 48/);
    const quant = await icedit(["convert", "--model", model, "--quant", "int3"]);
    assert.equal(quant.code, 2);
    assert.match(quant.err.join("\n"), /--quant takes one of int8, int4/);
    const only = await icedit(["convert", "--model", model, "--only", "vae"]);
    assert.equal(only.code, 2);
    assert.match(only.err.join("\n"), /--only takes one of transformer, t5/);
  });
});
