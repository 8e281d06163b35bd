/** The faces (the edit command, the server) reach the pipelines only through the library (src/index.ts, src/api/). */
import { it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

it("cli/edit.ts and the server import no pipeline module", () => {
  const faces = [join(SRC, "cli", "edit.ts"), ...tsFiles(join(SRC, "server"))];
  assert.ok(faces.length > 10, `found the sources under ${SRC}`);
  const crossings = faces.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/from\s+"([^"]+)"/g)]
      .map((m) => m[1] as string)
      .filter((spec) => /(^|\/)pipelines\//.test(spec))
      .map((spec) => `${relative(SRC, file)} imports ${spec}`),
  );
  assert.deepEqual(crossings, []);
});
