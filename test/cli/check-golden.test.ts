import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { GOLDEN_DIR, goldenFile, goldenSkip } from "../golden-paths.js";

const LINE = /^(PASS|FAIL|SKIP) (\S+) max_abs_err=(\S+) worst=(\S+)/;

describe("icedit check-golden", { skip: goldenSkip }, () => {
  let dir: string;
  before(async () => {
    // A manifest of our own: one transformer case, one case of a component icedit cannot check,
    // and a transformer case whose expected file is wrong (the bf16 case's expected for f32 weights).
    dir = await mkdtemp(join(tmpdir(), "icedit-golden-"));
    await symlink(join(GOLDEN_DIR, "cases"), join(dir, "cases"));
    await symlink(join(GOLDEN_DIR, "weights"), join(dir, "weights"));
    const manifest = JSON.parse(await readFile(goldenFile("manifest.json"), "utf8")) as {
      cases: { name: string; component: string; expected: string; weights: string[] }[];
    };
    const transformer = manifest.cases.find((c) => c.name === "flux_transformer_b1");
    assert.ok(transformer);
    const wrong = {
      ...transformer,
      name: "wrong_expected",
      weights: ["t1_bfl_f32"],
      expected: "cases/flux_transformer_b1_bf16w.expected.safetensors",
    };
    const unknown = { ...transformer, name: "future_case", component: "future-component" };
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, cases: [transformer, wrong, unknown] }));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("passes the public transformer cases and prints one line per case plus a summary", async () => {
    const { code, out } = await icedit(["check-golden", GOLDEN_DIR, "--only", "flux-transformer"]);
    assert.equal(code, 0);
    const lines = out.filter((l) => LINE.test(l));
    assert.deepEqual(
      lines.map((l) => LINE.exec(l)?.slice(1, 3)),
      [
        ["PASS", "flux_transformer_b1"],
        ["PASS", "flux_transformer_b1_bf16w"],
      ],
    );
    assert.equal(out.at(-1), "2 passed, 0 failed");
  });

  it("fails a case whose numbers do not match, and skips unsupported components", async () => {
    const { code, out } = await icedit(["check-golden", dir]);
    assert.equal(code, 1);
    assert.match(out[0] ?? "", /^PASS flux_transformer_b1 /);
    assert.match(out[1] ?? "", /^FAIL wrong_expected max_abs_err=\S+ worst=out@t1_bfl_f32/);
    assert.match(out[2] ?? "", /^SKIP future_case /);
    assert.equal(out.at(-1), "1 passed, 1 failed, 1 skipped");
  });

  it("with --require all, a skipped case fails the check", async () => {
    const only = await icedit(["check-golden", dir, "--only", "future-component"]);
    assert.equal(only.code, 0);
    const required = await icedit(["check-golden", dir, "--only", "future-component", "--require", "all"]);
    assert.equal(required.code, 1);
    assert.equal(required.out.at(-1), "0 passed, 0 failed, 1 skipped");
  });

  it("refuses an --only component the manifest does not have, and a missing directory", async () => {
    const bad = await icedit(["check-golden", dir, "--only", "no-such-thing"]);
    assert.equal(bad.code, 1);
    assert.match(bad.err.join("\n"), /no case of that component/);
    const missing = await icedit(["check-golden", join(dir, "nope")]);
    assert.equal(missing.code, 1);
    assert.match(missing.err.join("\n"), /cannot read the golden manifest/);
    const usage = await icedit(["check-golden"]);
    assert.equal(usage.code, 2);
  });
});
