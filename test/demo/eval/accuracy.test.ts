import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { accuracyTable, formatAccuracyMarkdown } from "../../../src/demo/eval/accuracy.js";

describe("accuracy tables", () => {
  const edits = [
    { kind: "recolour" as const, passed: true },
    { kind: "recolour" as const, passed: false },
    { kind: "remove" as const, passed: true },
    { kind: "add" as const, passed: false },
    { kind: "recolour" as const, passed: true },
  ];
  it("counts per kind and overall", () => {
    const table = accuracyTable(edits);
    assert.deepEqual(table.perKind.recolour, { passed: 2, total: 3, accuracy: 2 / 3 });
    assert.deepEqual(table.perKind.remove, { passed: 1, total: 1, accuracy: 1 });
    assert.deepEqual(table.perKind.add, { passed: 0, total: 1, accuracy: 0 });
    assert.equal(table.perKind.background.total, 0);
    assert.ok(Number.isNaN(table.perKind.background.accuracy));
    assert.deepEqual(table.overall, { passed: 3, total: 5, accuracy: 0.6 });
  });
  it("formats the README table", () => {
    const markdown = formatAccuracyMarkdown([
      { name: "LoRA-MoE", table: accuracyTable(edits) },
      { name: "FLUX.1 Fill | IC prompt", table: accuracyTable([{ kind: "background", passed: true }]) },
    ]);
    assert.equal(
      markdown,
      "| model | recolour | remove | background | add | overall |\n" +
        "|---|---:|---:|---:|---:|---:|\n" +
        "| LoRA-MoE | 66.7% (2/3) | 100.0% (1/1) | - | 0.0% (0/1) | 60.0% (3/5) |\n" +
        "| FLUX.1 Fill \\| IC prompt | - | - | 100.0% (1/1) | - | 100.0% (1/1) |\n",
    );
  });
});
