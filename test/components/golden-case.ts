/** Runs one case of the golden manifest through its component runner and checks that it passed in full. */
import assert from "node:assert/strict";
import type { CaseResult, ComponentRunner, GoldenEnv } from "../../src/golden/case-result.js";

/** The case `name` is in the manifest, passes, and produced every output it compares. */
export async function assertGoldenCasePasses(runner: ComponentRunner, name: string, env: GoldenEnv): Promise<CaseResult> {
  const c = env.manifest.cases.find((x) => x.name === name);
  assert.ok(c, name);
  const result = await runner.run(c, env);
  assert.equal(result.status, "PASS", `${name}: ${JSON.stringify(result.comparisons)} ${result.detail ?? ""}`);
  assert.ok(!(result.detail ?? "").includes("not produced"), `${name}: ${result.detail}`);
  return result;
}
