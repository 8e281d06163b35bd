import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUTO, describePrecision, precisionChoice, precisionName, precisionOf } from "../../src/components/precision.js";
import { KERNEL_FORMS, KERNEL_PROBE_SHAPE } from "../../src/components/kernels/kernel-table.js";
import { machineInfo, machineKey } from "../../src/components/kernels/machine.js";
import { nbitsOf } from "../../src/components/params/convert-tensors.js";
import { convertPrecision } from "../../src/api/open-model.js";

describe("precision", () => {
  it("is one checked value: a kind, a block size (default 32) and an accuracy level (default 4, int8 activations)", () => {
    assert.deepEqual(precisionOf("int8"), { kind: "int8", blockSize: 32 });
    assert.deepEqual(precisionOf("int8", 64, 1), { kind: "int8", blockSize: 64, accuracyLevel: 1 });
    assert.deepEqual(precisionOf("int8", 64, 4), { kind: "int8", blockSize: 64 });
    assert.throws(() => precisionOf("int8", 32, 2 as 1), /accuracy level must be 4 \(int8 activations\) or 1 \(float\), got 2/);
    assert.equal(precisionName(precisionOf("int4", 128, 1)), "int4-b128-acc1");
    assert.equal(precisionName(precisionOf("int8")), "int8-b32");
    assert.equal(describePrecision(precisionOf("int8", 32, 1)), "int8, block 32, float activations");
    assert.equal(describePrecision(precisionOf("int8")), "int8, block 32");
    assert.deepEqual(precisionOf("int4", 128), { kind: "int4", blockSize: 128 });
    assert.throws(() => precisionOf("int4", 48), /block size must be one of 16, 32, 64, 128, 256, got 48/);
    assert.throws(() => precisionOf("int3" as "int4"), InvalidArgumentError);
  });

  it("takes a bare kind or a {kind, blockSize} choice, and keeps auto for later", () => {
    assert.deepEqual(precisionChoice("auto"), AUTO);
    assert.deepEqual(precisionChoice("f32"), { kind: "f32", blockSize: 32 });
    assert.deepEqual(precisionChoice({ kind: "auto", blockSize: 64 }), { kind: "auto", blockSize: 64 });
    assert.throws(() => precisionChoice({ kind: "auto", blockSize: 7 }), InvalidArgumentError);
  });

  it("becomes bits in one place, where MatMulNBits packs are made", () => {
    assert.equal(nbitsOf("int8"), 8);
    assert.equal(nbitsOf("int4"), 4);
  });

  it("converts auto on the CPU to the kernel table's fastest acceptable form, on a GPU to its kind, and refuses f32", async () => {
    const dir = await mkdtemp(join(tmpdir(), "icedit-convert-auto-"));
    try {
      // A table measured before on this machine: int8 block 64 is the fastest int8 form, int4 faster but too coarse.
      const machine = machineInfo(0);
      const rates = Object.fromEntries(
        KERNEL_FORMS.map((f) => {
          const name = precisionName(f);
          const rate = name === "int8-b64" ? 200 : name === "int4-b128" ? 400 : 100;
          return [name, { ms: 1, msRuns: [1], gflopsPerS: rate, relativeError: f.kind === "int4" ? 0.09 : f.kind === "int8" ? 0.008 : 0 }];
        }),
      );
      const table = { version: 1, machine, shape: KERNEL_PROBE_SHAPE, runs: 3, measuredAt: "2026-12-03T00:00:00Z", rates };
      await writeFile(join(dir, `${machineKey(machine)}.json`), JSON.stringify(table));
      const auto = await convertPrecision(AUTO, "cpu", dir);
      assert.deepEqual(auto.precision, { kind: "int8", blockSize: 64 });
      assert.equal(auto.autoQuant?.chosen, "int8-b64");
      assert.deepEqual((await convertPrecision({ kind: "auto", blockSize: 32 }, "cpu", dir)).precision, { kind: "int8", blockSize: 32 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual((await convertPrecision(AUTO, "cuda")).precision, { kind: "int4", blockSize: 32 });
    assert.deepEqual((await convertPrecision({ kind: "int4", blockSize: 16 }, "cpu")).precision, { kind: "int4", blockSize: 16 });
    await assert.rejects(convertPrecision({ kind: "f32", blockSize: 32 }), /converting to f32 makes nothing/);
  });
});
