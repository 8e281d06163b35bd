// The layering the design asks for, checked on the source: pipelines are pure, the CLI's convert
// reaches weights only through the library, and lower layers never import the demo's helpers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { importsOf, SRC, sourceFiles } from "./sources.js";

function offenders(folder: string, bad: (spec: string) => boolean): string[] {
  return sourceFiles(join(SRC, folder))
    .filter((f) => importsOf(f).some(bad))
    .map((f) => relative(SRC, f));
}

describe("source layering", () => {
  it("pipelines/ keeps only pipelines, and they are pure: no file system, no weight files, no console", () => {
    assert.deepEqual(
      offenders("pipelines", (s) => s.startsWith("node:fs") || /\/weights\/(hub|safetensors|gguf)\/|open-weights/.test(s)),
      [],
    );
    const printing = sourceFiles(join(SRC, "pipelines")).filter((f) => /\bconsole\.\w+\(/.test(readFileSync(f, "utf8")));
    assert.deepEqual(printing, []);
  });

  it("the CLI's convert opens models through the library only", () => {
    const imports = importsOf(join(SRC, "cli", "convert.ts"));
    assert.deepEqual(
      imports.filter((s) => /\/(weights|components|pipelines)\//.test(s)),
      [],
    );
  });

  it("weights/, text/ and models/ do not import the demo's helpers", () => {
    for (const folder of ["weights", "text", "models"])
      assert.deepEqual(
        offenders(folder, (s) => s.includes("/demo/")),
        [],
        folder,
      );
  });
});
