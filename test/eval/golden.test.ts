/** The metric models and metrics against the golden vectors (§11): clip-model, dino-vit and edit-metrics through their runners. */
import { after, before, describe, test } from "node:test";
import { clipModelRunner } from "../../src/golden/components/clip-model.js";
import { dinoVitRunner } from "../../src/golden/components/dino-vit.js";
import { editMetricsRunner } from "../../src/golden/components/edit-metrics.js";
import type { ComponentRunner } from "../../src/golden/case-result.js";
import { loadManifest, type GoldenManifest } from "../../src/golden/manifest.js";
import { Engine } from "../../src/runtime/engine.js";
import { GOLDEN_DIR, goldenSkip, haveGolden } from "../golden-paths.js";
import { assertGoldenCasePasses } from "../components/golden-case.js";

let engine: Engine;
let manifest: GoldenManifest;

before(async () => {
  engine = new Engine();
  if (haveGolden) manifest = await loadManifest(GOLDEN_DIR);
});
after(async () => {
  await engine.close();
});

const RUNNERS: readonly ComponentRunner[] = [clipModelRunner, dinoVitRunner, editMetricsRunner];

describe("editing-metric golden cases", { skip: goldenSkip }, () => {
  for (const runner of RUNNERS) {
    test(`every ${runner.component} case passes`, async () => {
      const cases = manifest.cases.filter((c) => c.component === runner.component);
      if (cases.length === 0) throw new Error(`the manifest has no ${runner.component} case`);
      for (const c of cases) await assertGoldenCasePasses(runner, c.name, { engine, manifest });
    });
  }
});
