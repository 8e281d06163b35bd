import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { judgeConfig } from "../../../src/cli/model-options.js";
import { ShapesRuleJudge } from "../../../src/demo/eval/rule-judge.js";
import { InvalidArgumentError } from "../../../src/errors.js";
import { createJudge } from "../../../src/vlm/create.js";

describe("--judge rule", () => {
  it("makes the shapes rule judge, model shapes by default", () => {
    const config = judgeConfig({ judge: "rule" });
    assert.deepEqual(config && { kind: config.kind, model: config.model }, { kind: "rule", model: "shapes" });
    assert.ok(config && createJudge(config) instanceof ShapesRuleJudge);
  });
  it("refuses another rule model", () => {
    assert.throws(() => createJudge({ kind: "rule", model: "faces" }), InvalidArgumentError);
  });
});
