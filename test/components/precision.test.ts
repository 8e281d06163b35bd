import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/errors.js";
import { AUTO, precisionChoice, precisionOf } from "../../src/components/precision.js";
import { nbitsOf } from "../../src/components/params/convert-tensors.js";
import { convertPrecision } from "../../src/api/open-model.js";

describe("precision", () => {
  it("is one checked value: a kind and a block size (default 32)", () => {
    assert.deepEqual(precisionOf("int8"), { kind: "int8", blockSize: 32 });
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

  it("converts to the device's quantized kind for auto and refuses f32", () => {
    assert.deepEqual(convertPrecision({ kind: "auto", blockSize: 64 }, "cpu"), { kind: "int8", blockSize: 64 });
    assert.deepEqual(convertPrecision(AUTO, "cuda"), { kind: "int4", blockSize: 32 });
    assert.deepEqual(convertPrecision({ kind: "int4", blockSize: 16 }, "cpu"), { kind: "int4", blockSize: 16 });
    assert.throws(() => convertPrecision({ kind: "f32", blockSize: 32 }), /converting to f32 makes nothing/);
  });
});
