/**
 * The FLUX transformer loaded from the golden GGUF files (every tensor dequantized to float32)
 * meets the golden vectors of the three flux-transformer-gguf cases. (The expected values differ
 * from the float32-weight model's by 2e-4 to 1e-1, so ignoring the GGUF values would fail.)
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkGolden } from "../../src/golden/check.js";
import { GOLDEN_DIR, goldenSkip } from "../golden-paths.js";

describe("golden flux-transformer-gguf cases", { skip: goldenSkip }, () => {
  test("Q8_0, Q4_0 and F16 files all pass on out and every intermediate", async (t) => {
    const summary = await checkGolden(GOLDEN_DIR, { only: ["flux-transformer-gguf"] });
    assert.equal(summary.results.length, 3);
    for (const r of summary.results) {
      const out = r.comparisons.find((c) => c.name === "out");
      t.diagnostic(`${r.name}: ${r.status}, out max_abs_err ${out?.maxAbsErr.toExponential(2)}, ${r.comparisons.length} tensors compared`);
      assert.equal(r.status, "PASS", `${r.name}: ${r.detail ?? ""}`);
      assert.ok(out && out.maxAbsErr < 1e-4);
      assert.ok(r.comparisons.length >= 5, "intermediates are compared too");
    }
    assert.ok(summary.ok);
  });
});
