// The layering the design asks for, checked on the source: pipelines are pure, the CLI's convert
// reaches weights only through the library, and lower layers never import the demo's helpers.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const path = join(dir, e);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The import specifiers of a file (static imports and re-exports). */
function importsOf(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"([^"]+)"/g)].map((m) => m[1] as string);
}

function offenders(folder: string, bad: (spec: string, text: string) => boolean): string[] {
  return sources(join(SRC, folder))
    .filter((f) => importsOf(f).some((s) => bad(s, readFileSync(f, "utf8"))))
    .map((f) => relative(SRC, f));
}

describe("source layering", () => {
  it("pipelines/ keeps only pipelines, and they are pure: no file system, no weight files, no console", () => {
    assert.deepEqual(
      offenders("pipelines", (s) => s.startsWith("node:fs") || /\/weights\/(hub|safetensors|gguf)\/|open-weights/.test(s)),
      [],
    );
    const printing = sources(join(SRC, "pipelines")).filter((f) => /\bconsole\.\w+\(/.test(readFileSync(f, "utf8")));
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
