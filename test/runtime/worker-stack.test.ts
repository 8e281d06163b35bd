import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { commandLineBytes, workerStackMb } from "../../src/runtime/worker-stack.js";

describe("workerStackMb", () => {
  it("keeps the default 4 MiB for an empty command line", () => {
    assert.equal(workerStackMb(0), 4);
  });
  it("reserves 512 bytes of stack per command-line byte (48 MiB measured for 131,000 bytes)", () => {
    assert.equal(workerStackMb(131_000), 4 + Math.ceil((131_000 * 512) / 2 ** 20));
    assert.ok(workerStackMb(131_000) >= 48);
    assert.equal(workerStackMb(2048), 5);
  });
  it("measures this process's command line", () => {
    assert.ok(commandLineBytes() >= process.argv.join(" ").length);
  });
});
