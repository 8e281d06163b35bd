/**
 * A 100,000-character instruction through the real command line: ONNX Runtime reads the whole
 * process command line while it creates sessions, which once crashed the process (SIGSEGV).
 * The edit runs, and the tokenizers cut the instruction with a warning.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { icedit } from "./test-io.js";

const bin = fileURLToPath(new URL("../../../bin/icedit.js", import.meta.url));

describe("icedit edit with a 100,000-character instruction", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-long-"));
    const made = await icedit(["make-demo-model", join(dir, "demo"), "--random"]);
    assert.equal(made.code, 0, made.err.join("\n"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("edits, and says the instruction was cut", () => {
    const output = join(dir, "out.png");
    const instruction = "make the sky green ".repeat(5300).slice(0, 100_000);
    const run = spawnSync(
      process.execPath,
      [
        bin,
        "edit",
        "--model",
        join(dir, "demo"),
        "--image",
        join(dir, "demo", "example.png"),
        "--instruction",
        instruction,
        "--steps",
        "1",
        "--width",
        "64",
        "-o",
        output,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(run.signal, null, `the process died by ${run.signal}`);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(output));
    assert.match(run.stderr, /the instruction was cut for T5: \d+ of \d+ tokens did not fit/);
  });
});
