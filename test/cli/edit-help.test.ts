/** `icedit edit --help` shows the library's edit defaults, read from the one table. */
import { it } from "node:test";
import assert from "node:assert/strict";
import { EDIT_DEFAULTS } from "../../src/api/edit-defaults.js";
import { icedit } from "./test-io.js";

it("shows every edit default of EDIT_DEFAULTS on its option's line", async () => {
  const run = await icedit(["edit", "--help"]);
  assert.equal(run.code, 0);
  const help = run.out.join("\n");
  const options: Record<keyof typeof EDIT_DEFAULTS, string> = {
    seed: "--seed",
    steps: "--steps",
    guidance: "--guidance",
    trueCfgScale: "--true-cfg-scale",
    negativePrompt: "--negative-prompt",
    width: "--width",
    conventions: "--conventions",
    candidates: "--candidates",
    earlySteps: "--early-steps",
    judgeFallback: "--judge-fallback",
  };
  for (const [key, option] of Object.entries(options)) {
    // The option's entry: its line and the indented lines after it, up to the next option.
    const entry = new RegExp(`^  ${option} [^\\n]*(\\n {20,}[^\\n]*)*`, "m").exec(help)?.[0];
    assert.ok(entry, `${option} is in the help`);
    assert.match(
      entry,
      key === "negativePrompt"
        ? new RegExp(`default: "${EDIT_DEFAULTS.negativePrompt}"`)
        : new RegExp(`default: ${String(EDIT_DEFAULTS[key as keyof typeof EDIT_DEFAULTS])}\\b`),
      `${option} shows its default`,
    );
  }
});
