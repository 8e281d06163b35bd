/** The machine's kernel table: every form measured side by side, its error against float32, kept once per machine. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../../../src/runtime/engine.js";
import { KERNEL_FORMS, kernelTable } from "../../../src/components/kernels/kernel-table.js";
import { machineInfo, machineKey } from "../../../src/components/kernels/machine.js";
import { precisionName } from "../../../src/components/precision.js";
import type { GemmShape } from "../../../src/components/kernels/gemm-rate.js";

const TINY: GemmShape = { m: 8, k: 256, n: 64 };

describe("kernel table", () => {
  let engine: Engine;
  let dir: string;
  before(async () => {
    engine = new Engine();
    dir = await mkdtemp(join(tmpdir(), "icedit-kernels-"));
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("measures every form once, with int8's product error under 2% and int4's above it, then reads the kept table", async () => {
    let measured = 0;
    const first = await kernelTable(engine, { dir, shape: TINY, onMeasure: () => measured++ });
    assert.equal(first.cached, false);
    assert.equal(measured, 1);
    assert.equal(first.file, join(dir, `${machineKey(machineInfo(0))}.json`));
    for (const form of KERNEL_FORMS) {
      const rate = first.table.rates[precisionName(form)];
      assert.ok(rate && rate.gflopsPerS > 0 && rate.ms > 0, precisionName(form));
      const error = rate.relativeError as number;
      // Gaussian weights, absmax blocks: int8's step is max/127 (about 0.5-1% RMS), int4's max/7 (about 10%).
      if (form.kind === "f32") assert.equal(error, 0);
      else if (form.kind === "int8") assert.ok(error > 1e-4 && error < 0.02, `${precisionName(form)}: ${error}`);
      else assert.ok(error > 0.03 && error < 0.2, `${precisionName(form)}: ${error}`);
    }
    const second = await kernelTable(engine, { dir, shape: TINY, onMeasure: () => measured++ });
    assert.equal(second.cached, true);
    assert.equal(measured, 1);
    assert.deepEqual(second.table, first.table);
  });

  it("measures again when the kept table is damaged, or was measured for another product", async () => {
    const file = join(dir, `${machineKey(machineInfo(0))}.json`);
    await writeFile(file, "{ not json");
    const repaired = await kernelTable(engine, { dir, shape: TINY });
    assert.equal(repaired.cached, false);
    assert.equal(JSON.parse(await readFile(file, "utf8")).shape.k, TINY.k);
    const other = await kernelTable(engine, { dir, shape: { ...TINY, n: 32 } });
    assert.equal(other.cached, false);
    assert.deepEqual(await readdir(dir), [`${machineKey(machineInfo(0))}.json`]);
  });

  it("keeps nothing without a folder", async () => {
    const result = await kernelTable(engine, { dir: null, shape: TINY });
    assert.equal(result.file, null);
    assert.equal(result.cached, false);
  });
});
