import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { resizeImage } from "../../../src/image/index.js";
import { ScoreInputError } from "../../../src/demo/eval/errors.js";
import { scoreEdit, scoreSameSize } from "../../../src/demo/eval/score.js";
import { FIXTURES } from "./fixtures.js";

describe("scoreEdit: the pixel rule", () => {
  for (const f of FIXTURES) {
    describe(f.kind, () => {
      it("passes the correct edit", async () => {
        const score = await scoreEdit({ ...f, edited: f.correct });
        assert.equal(score.passed, true, score.reason);
        assert.ok(score.inside > 0.95 && score.outside > 0.99, `${score.inside} ${score.outside}`);
        assert.equal(score.reason, "");
        assert.equal(score.resized, false);
      });
      it("fails a no-op inside the region", async () => {
        const score = await scoreEdit({ ...f, edited: f.noop });
        assert.equal(score.passed, false);
        assert.ok(score.inside < 0.8, `inside ${score.inside}`);
        assert.match(score.reason, /of the region is within 60 of the target/);
      });
      it("fails a wrong colour", async () => {
        const score = await scoreEdit({ ...f, edited: f.wrongColour });
        assert.equal(score.passed, false);
        assert.ok(score.inside < 0.8, `inside ${score.inside}`);
        assert.ok(score.outside >= 0.95, `outside ${score.outside}`);
      });
      it("fails damage outside the region", async () => {
        const score = await scoreEdit({ ...f, edited: f.damaged });
        assert.equal(score.passed, false);
        assert.ok(score.outside < 0.95, `outside ${score.outside}`);
        assert.match(score.reason, /of the outside is within 40 of the source/);
      });
    });
  }

  it("compares at the source's size: an edit at another size is resized first", async () => {
    const f = FIXTURES[0];
    assert.ok(f);
    const larger = await resizeImage(f.correct, 192, 208);
    const score = await scoreEdit({ ...f, edited: larger });
    assert.equal(score.resized, true);
    assert.equal(score.passed, true, score.reason);
    const noop = await scoreEdit({ ...f, edited: await resizeImage(f.noop, 192, 208) });
    assert.equal(noop.passed, false);
  });

  it("counts exactly: 80% inside and 95% outside pass, one pixel fewer fails", () => {
    // A 1x40 strip: pixels 0..9 are the region (target 100), 10..29 are outside (source 0), 30..39 are in neither mask.
    const width = 40;
    const image = (values: (i: number) => number) => {
      const data = new Uint8Array(width * 3);
      for (let i = 0; i < width; i++) data.fill(values(i), i * 3, i * 3 + 3);
      return { dtype: "u8" as const, dims: [1, width, 3], data };
    };
    const mask = (on: (i: number) => boolean) => ({
      dtype: "u8" as const,
      dims: [1, width],
      data: Uint8Array.from({ length: width }, (_, i) => (on(i) ? 1 : 0)),
    });
    const source = image(() => 0);
    const target = image((i) => (i < 10 ? 100 : 0));
    const region = mask((i) => i < 10);
    const outside = mask((i) => i >= 10 && i < 30);
    // 8 of 10 region pixels within 60 of 100 (40 and 160 are exactly 60 away); 19 of 20 outside within 40 (40 exactly).
    const edited = (wrongInside: number, wrongOutside: number) =>
      image((i) => (i < 10 ? (i < wrongInside ? 39 : i % 2 ? 40 : 160) : i < 30 ? (i - 10 < wrongOutside ? 41 : 40) : 255));
    const pass = scoreSameSize({ source, target, region, outside, edited: edited(2, 1) });
    assert.deepEqual([pass.inside, pass.outside, pass.insidePixels, pass.outsidePixels, pass.passed], [0.8, 0.95, 10, 20, true]);
    const failInside = scoreSameSize({ source, target, region, outside, edited: edited(3, 1) });
    assert.deepEqual([failInside.inside, failInside.passed], [0.7, false]);
    const failOutside = scoreSameSize({ source, target, region, outside, edited: edited(2, 2) });
    assert.deepEqual([failOutside.outside, failOutside.passed], [0.9, false]);
  });

  it("refuses masks and targets of another size, and reports an empty region", () => {
    const f = FIXTURES[0];
    assert.ok(f);
    const small = { dtype: "u8" as const, dims: [4, 4], data: new Uint8Array(16) };
    assert.throws(() => scoreSameSize({ ...f, edited: f.correct, region: small }), ScoreInputError);
    assert.throws(() => scoreSameSize({ ...f, edited: f.correct, target: f.correct, region: f.region, outside: small }), ScoreInputError);
    const empty = { dtype: "u8" as const, dims: f.region.dims, data: new Uint8Array(f.region.data.length) };
    const score = scoreSameSize({ ...f, edited: f.correct, region: empty });
    assert.equal(score.passed, false);
    assert.match(score.reason, /region is empty/);
  });
});
