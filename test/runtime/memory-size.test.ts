/** Memory sizes as written on the command line, the machine's memory, and the peak-RSS meters. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { totalmem } from "node:os";
import { formatBytes, parseMemorySize } from "../../src/runtime/memory-size.js";
import { machineMemoryBytes } from "../../src/runtime/machine-memory.js";
import { processPeakRssBytes, startPeakMeter } from "../../src/runtime/peak-rss.js";

const GiB = 1024 ** 3;

describe("parseMemorySize", () => {
  test("binary units with or without B / iB, any case; plain numbers are bytes", () => {
    const cases: [string, number][] = [
      ["20G", 20 * GiB],
      ["20GiB", 20 * GiB],
      ["20gb", 20 * GiB],
      ["512M", 512 * 1024 ** 2],
      ["1.5T", 1.5 * 1024 ** 4],
      ["64k", 65536],
      ["123456", 123456],
      ["100B", 100],
      [" 2 G ", 2 * GiB],
    ];
    for (const [text, bytes] of cases) assert.equal(parseMemorySize(text), bytes, text);
  });

  test("anything else is refused", () => {
    for (const text of ["", "auto", "G", "20X", "-1G", "0", "0M", "20 GB RAM", "1e9", "20iB", "NaN"])
      assert.equal(parseMemorySize(text), null, text);
  });

  test("formatBytes", () => {
    assert.equal(formatBytes(900), "900 B");
    assert.equal(formatBytes(1.5 * GiB), "1.50 GiB");
    assert.equal(formatBytes(20 * GiB), "20.0 GiB");
  });
});

test("the machine's memory is positive and at most the total memory", () => {
  const bytes = machineMemoryBytes();
  assert.ok(bytes > 0 && bytes <= totalmem(), `${bytes}`);
});

describe("peak-RSS meters", () => {
  for (const method of ["high-water", "sampling"] as const) {
    test(`${method}: an interval's peak covers what was resident while a 64 MiB block was held`, async () => {
      const meter = startPeakMeter(method);
      meter.take();
      const block = new Uint8Array(64 * 1024 * 1024).fill(1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const held = process.memoryUsage.rss();
      const peak = meter.take();
      meter.stop();
      assert.equal(block[block.length - 1], 1);
      assert.ok(peak >= held - 4 * 1024 * 1024, `peak ${formatBytes(peak)}, resident while held ${formatBytes(held)}`);
      assert.ok(processPeakRssBytes() >= peak, "the process's peak survives the resets");
    });
  }
});
