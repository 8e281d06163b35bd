import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { editArgs, useNoModelFolder } from "./fixtures.js";
import { useTempFolder } from "../api/fixtures.js";
import { checkOutputPaths, OutputPathError } from "../../src/cli/output-paths.js";

/**
 * Every bad output path is refused before the model loads. The evidence: the model given is a
 * folder that does not exist, so any later step would fail with "not found" instead; and no file
 * is written, and no progress line is printed.
 */
describe("icedit edit checks its output paths before any work", () => {
  const folder = useNoModelFolder("icedit-outpaths-");

  const refused = async (extra: string[], pattern: RegExp): Promise<string> => {
    const run = await icedit(editArgs(folder.noModel, folder.image, "x", "--offline", "--steps", "1", ...extra));
    const err = run.err.join("\n");
    assert.equal(run.code, 1, err);
    assert.match(err, pattern);
    assert.doesNotMatch(err, /not found|loading|model:/, "refused before the model was looked for");
    return err;
  };

  it("--json onto the image's own path", async () => {
    const out = join(folder.dir, "o.png");
    await refused(["-o", out, "--json", out], /--json .*o\.png: is the same file as -o/);
    assert.equal(existsSync(out), false);
  });

  it("--json through a symlink to the image's path", async () => {
    const out = join(folder.dir, "p.png");
    await writeFile(out, "an earlier result");
    const link = join(folder.dir, "p-link.json");
    await symlink(out, link);
    await refused(["-o", out, "--json", link], /same file as -o/);
    assert.equal(await readFile(out, "utf8"), "an earlier result", "nothing was overwritten");
  });

  it("-o equal to --image (also by another spelling of the path)", async () => {
    const before = await readFile(folder.image);
    await refused(["-o", folder.image], /is the input --image .*overwrite your input/);
    await refused(["-o", join(folder.dir, ".", "sub", "..", "in.png")], /is the input --image/);
    assert.deepEqual(await readFile(folder.image), before, "the input is untouched");
  });

  it("--contact-sheet onto -o", async () => {
    const out = join(folder.dir, "sheet.png");
    await refused(["--judge", "openai", "--judge-model", "m", "-o", out, "--contact-sheet", out], /--contact-sheet .*same file as -o/);
  });

  it("-o or --json into a missing directory, -o onto a directory, a parent that is a file", async () => {
    const { dir, image } = folder;
    await refused(["-o", join(dir, "missing", "o.png")], /-o .*directory .*missing does not exist: create it first/);
    await refused(["-o", join(dir, "o2.png"), "--json", join(dir, "missing", "r.json")], /--json .*directory .*missing does not exist/);
    assert.equal(existsSync(join(dir, "o2.png")), false, "the image is not written before the --json path fails");
    await mkdir(join(dir, "a-dir.png"));
    await refused(["-o", join(dir, "a-dir.png")], /-o .*a-dir\.png: is a directory/);
    await refused(["-o", join(dir, "o3.png"), "--json", join(image, "r.json")], /in\.png is not a directory/);
  });

  it("--cache-dir under a file", async () => {
    await refused(
      ["-o", join(folder.dir, "o4.png"), "--cache-dir", join(folder.image, "cache")],
      /--cache-dir .*in\.png is not a directory/,
    );
  });

  it("-o into a read-only directory", { skip: process.getuid?.() === 0 ? "root may write anywhere" : false }, async () => {
    const locked = join(folder.dir, "locked");
    await mkdir(locked);
    await chmod(locked, 0o555);
    try {
      await refused(["-o", join(locked, "o.png")], /not writable/);
    } finally {
      await chmod(locked, 0o755);
    }
  });
});

describe("checkOutputPaths", () => {
  const temp = useTempFolder("icedit-outpaths-unit-");

  it("accepts distinct new files in existing directories, and skips options not given", async () => {
    await checkOutputPaths({
      files: [
        { option: "-o", path: join(temp.dir, "a.png") },
        { option: "--json", path: join(temp.dir, "a.json") },
        { option: "--contact-sheet", path: undefined },
      ],
      dirs: [{ option: "--cache-dir", path: join(temp.dir, "new", "cache") }],
      inputs: [{ option: "--image", path: join(temp.dir, "missing-input.png") }],
    });
  });

  it("compares existing files by inode: a hard link to the input is the input", async () => {
    const input = join(temp.dir, "in.bin");
    await writeFile(input, "x");
    const { link } = await import("node:fs/promises");
    await link(input, join(temp.dir, "hard.png"));
    const paths = { files: [{ option: "-o", path: join(temp.dir, "hard.png") }], inputs: [{ option: "--image", path: input }] };
    await assert.rejects(checkOutputPaths(paths), OutputPathError);
  });
});

describe("icedit convert checks --cache-dir before any work", () => {
  const temp = useTempFolder("icedit-outpaths-convert-");

  it("refuses a cache directory under a file", async () => {
    const file = join(temp.dir, "file");
    await writeFile(file, "x");
    const run = await icedit([
      "convert",
      "--model",
      join(temp.dir, "no-model"),
      "--offline",
      "--quant",
      "int8",
      "--cache-dir",
      join(file, "cache"),
    ]);
    assert.equal(run.code, 1);
    assert.match(run.err.join("\n"), /--cache-dir .*file is not a directory/);
  });
});
