import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkMaxTextTokens, resolveStepCache } from "../../src/api/step-cache-option.js";
import { resolveEditOptions } from "../../src/api/edit-options.js";
import { checkEditRequest } from "../../src/api/edit-validation.js";
import { resolveEditLimits } from "../../src/api/edit-limits.js";
import { EditOptionError } from "../../src/api/errors.js";
import { parseEditParams } from "../../src/server/params.js";
import { ApiError } from "../../src/server/errors.js";

describe("the edit options cache and maxTextTokens", () => {
  it("cache: none or absent is off; fbcache / teacache with their default or a given threshold", () => {
    assert.equal(resolveStepCache(undefined), undefined);
    assert.equal(resolveStepCache("none"), undefined);
    assert.equal(resolveStepCache({ kind: "none" }), undefined);
    assert.deepEqual(resolveStepCache("fbcache"), { kind: "fbcache", threshold: 0.12 });
    assert.deepEqual(resolveStepCache("teacache"), { kind: "teacache", threshold: 0.4 });
    assert.deepEqual(resolveStepCache("fbcache:0"), { kind: "fbcache", threshold: 0 });
    assert.deepEqual(resolveStepCache("teacache:0.6"), { kind: "teacache", threshold: 0.6 });
    assert.deepEqual(resolveStepCache({ kind: "teacache", threshold: 0.25 }), { kind: "teacache", threshold: 0.25 });
    assert.deepEqual(resolveEditOptions({ cache: "fbcache:0.1" }).cache, { kind: "fbcache", threshold: 0.1 });
    assert.equal(resolveEditOptions({}).cache, undefined);
  });

  it("cache: anything else is an EditOptionError naming the forms", () => {
    for (const bad of ["foo", "fbcache:-1", "fbcache:", "teacache:x", "fbcache:Infinity", "none:1", "FBCACHE", 7, { kind: "x" }]) {
      assert.throws(
        () => resolveStepCache(bad),
        (e: unknown) =>
          e instanceof EditOptionError && e.option === "cache" && /cache takes none, fbcache\[:threshold\] or teacache/.test(e.message),
        String(bad),
      );
    }
    assert.throws(
      () => checkEditRequest("x.png", "x", { cache: "fbcache:-1" }, resolveEditLimits()),
      /the threshold must be a number >= 0/,
    );
  });

  it("maxTextTokens: a whole number from 1 to 512", () => {
    assert.equal(checkMaxTextTokens(undefined), undefined);
    assert.equal(checkMaxTextTokens(128), 128);
    assert.equal(checkMaxTextTokens(512), 512);
    assert.equal(resolveEditOptions({ maxTextTokens: 256 }).maxTextTokens, 256);
    for (const bad of [0, 513, 1.5, -1, "128"]) {
      assert.throws(
        () => checkEditRequest("x.png", "x", { maxTextTokens: bad }, resolveEditLimits()),
        (e: unknown) => e instanceof EditOptionError && e.option === "maxTextTokens" && /from 1 to 512/.test(e.message),
        String(bad),
      );
    }
  });

  it("the server's fields cache and max_text_tokens: kept when asked, 400 when bad", () => {
    const limits = { maxSteps: 50, maxWidth: 1024, maxInstructionChars: 1000 };
    const support = { noiseSelection: false };
    const parse = (extra: [string, string][]) => parseEditParams(new Map([["instruction", "x"], ...extra]), limits, support);
    const plain = parse([]);
    assert.equal(plain.cache, undefined);
    assert.equal(plain.maxTextTokens, undefined);
    assert.equal(parse([["cache", "none"]]).cache, undefined);
    const asked = parse([
      ["cache", "teacache:0.3"],
      ["max_text_tokens", "128"],
    ]);
    assert.equal(asked.cache, "teacache:0.3");
    assert.equal(asked.maxTextTokens, 128);
    for (const [field, value] of [
      ["cache", "foo"],
      ["cache", "fbcache:-1"],
      ["max_text_tokens", "0"],
      ["max_text_tokens", "513"],
    ] as const) {
      assert.throws(
        () => parse([[field, value]]),
        (e: unknown) => e instanceof ApiError && e.status === 400 && e.message.startsWith(`${field}:`),
        `${field}=${value}`,
      );
    }
  });
});
