import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { editArgs, useNoModelFolder } from "./fixtures.js";
import { DEFAULT_EDIT_LIMITS, THREADS_PER_CORE } from "../../src/api/edit-limits.js";
import { DEFAULT_LIMITS } from "../../src/server/config.js";

/**
 * Values over the limits are usage errors (exit 2) before the model is looked for (the model
 * folder given does not exist: a value that passed would fail with "not found" instead).
 */
describe("icedit edit refuses values over its limits, and takes raised limits", () => {
  const folder = useNoModelFolder("icedit-bounds-");

  const run = (extra: string[]) =>
    icedit(editArgs(folder.noModel, folder.image, "x", "--offline", "-o", join(folder.dir, "o.png"), ...extra));

  it("--steps 1e9, --width 100000, --threads 100000, --candidates 1000: the limit and the option that raises it", async () => {
    const cases: [string[], RegExp][] = [
      [["--steps", "1e9"], /--steps 1000000000 is more than the limit of 100: add --max-steps 1000000000 if you mean it/],
      [["--width", "100000"], /--width 100000 is more than the limit of 2048: add --max-width 100000/],
      [
        ["--threads", "100000"],
        new RegExp(`--threads 100000 is more than the limit of ${THREADS_PER_CORE * availableParallelism()}: add --max-threads`),
      ],
      [
        ["--judge", "openai", "--judge-model", "m", "--candidates", "1000"],
        /--candidates 1000 is more than the limit of 64: add --max-candidates 1000/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, r.err.join("\n"));
      assert.match(r.err.join("\n"), pattern);
    }
  });

  it("non-numbers, fractions, negatives and bad limits are usage errors", async () => {
    const bad = [["--steps", "abc"], ["--steps", "2.5"], ["--steps", "NaN"], ["--threads=-1"]];
    bad.push(["--max-steps", "0"], ["--max-width", "x"], ["--max-pixels", "1.5"]);
    for (const args of bad) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err.join("\n")}`);
      assert.match(r.err.join("\n"), new RegExp(`--${(args[0] as string).slice(2).split("=")[0]} takes a whole number`));
    }
  });

  it("raised limits let the values through (the run then stops at the missing model)", async () => {
    const r = await run([
      "--steps",
      "150",
      "--max-steps",
      "150",
      "--width",
      "4096",
      "--max-width",
      "4096",
      "--threads",
      "100000",
      "--max-threads",
      "100000",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err.join("\n"), /no-model.*not found|no such file or folder/);
  });

  it("the CLI's defaults are the server's (one table)", () => {
    assert.equal(DEFAULT_LIMITS.maxSteps, DEFAULT_EDIT_LIMITS.maxSteps);
    assert.equal(DEFAULT_LIMITS.maxWidth, DEFAULT_EDIT_LIMITS.maxWidth);
  });

  it("--max-pixels: an image over it is refused with a hint that names --max-pixels", async () => {
    const r = await run(["--max-pixels", "1000"]);
    assert.equal(r.code, 1);
    assert.match(r.err.join("\n"), /64x48 = 3072 pixels.*more than the limit of 1000 pixels.*--max-pixels N/);
  });

  it("--lora dir:NaN says the scale is not a number, before any work", async () => {
    const r = await run(["--lora", `${join(folder.dir, "lora")}:NaN`]);
    assert.equal(r.code, 1);
    assert.match(r.err.join("\n"), /the scale "NaN" is not a number/);
  });
});
