/** Translating OpenAI's image-edit form into icedit's edit parameters (no server), and quality "high" run by a judge. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS } from "../../../src/server/config.js";
import { ApiError } from "../../../src/server/errors.js";
import { jobParams, OPENAI_IMAGE_FORM, parseOpenAiEdit, type OpenAiParseDeps } from "../../../src/server/openai-request.js";
import type { Form, FormFile } from "../../../src/server/upload.js";
import { demoServerWithJudge, forSuite } from "../fixtures.js";
import { png } from "../helpers.js";

const IMAGE = new Uint8Array([1, 2, 3]);
const SERVED = [{ id: "icedit", description: "" }];
const JUDGED: OpenAiParseDeps = {
  limits: DEFAULT_LIMITS,
  support: { noiseSelection: true },
  served: SERVED,
  servedEdit: { method: "icedit", editDefaults: { width: 64, guidance: 1 } },
};
const INPUT = { format: "png", width: 64, height: 48, bytes: 3 };

function form(fields: Record<string, string>, files: readonly FormFile[] = [{ field: "image", bytes: IMAGE }]): Form {
  return { files, fields: new Map(Object.entries(fields)) };
}

function refused(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail("no error");
}

describe("OpenAI image-edit form -> icedit edit parameters", () => {
  it("prompt is the instruction; the model folder's width and guidance apply; n jobs take seeds 42, 43, ...", () => {
    const edit = parseOpenAiEdit(form({ prompt: " make it red ", n: "3" }), JUDGED);
    assert.deepEqual(edit.params, {
      instruction: "make it red",
      method: "icedit",
      seed: 42,
      steps: 28,
      guidance: 1,
      trueCfgScale: 1,
      width: 64,
    });
    assert.deepEqual(
      jobParams(edit, INPUT).map((p) => p.seed),
      [42, 43, 44],
    );
    assert.equal(edit.responseFormat, "b64_json");
    assert.equal(edit.outputFormat, "png");
    assert.equal(edit.model, "icedit");
  });

  it("quality high with n 1 is one noise-selection run on a server with a judge, a plain edit otherwise", () => {
    assert.deepEqual(parseOpenAiEdit(form({ prompt: "x", quality: "high" }), JUDGED).params.selection, { candidates: 6, fallback: "none" });
    const noJudge = { ...JUDGED, support: { noiseSelection: false } };
    assert.equal(parseOpenAiEdit(form({ prompt: "x", quality: "high" }), noJudge).params.selection, undefined);
    assert.equal(parseOpenAiEdit(form({ prompt: "x", quality: "high", n: "2" }), JUDGED).params.selection, undefined);
  });

  it("size WxH is the width, its height checked against the aspect; icedit's seed, steps and guidance pass", () => {
    const edit = parseOpenAiEdit(form({ prompt: "x", size: "128x96", seed: "7", steps: "3", guidance: "2.5" }), JUDGED);
    assert.deepEqual(edit.params, { instruction: "x", method: "icedit", seed: 7, steps: 3, guidance: 2.5, trueCfgScale: 1, width: 128 });
    assert.equal(jobParams(edit, INPUT).length, 1);
    const wrong = refused(() => jobParams(parseOpenAiEdit(form({ prompt: "x", size: "128x128" }), JUDGED), INPUT));
    assert.match(wrong.message, /^size: .*64x48 image edited at width 128 comes out 128x96, not 128x128; send size "128x96" or "auto"$/);
    assert.match(refused(() => parseOpenAiEdit(form({ prompt: "x", size: "100x75" }), JUDGED)).message, /^size: must be a multiple of 16/);
    assert.match(refused(() => parseOpenAiEdit(form({ prompt: "x", size: "big" }), JUDGED)).message, /^size: takes "auto" or WIDTHxHEIGHT/);
  });

  it("output_compression is the JPEG/WebP quality (none for PNG); a mask is a warning", () => {
    const mask: FormFile = { field: "mask", bytes: null };
    const jpeg = parseOpenAiEdit(
      form({ prompt: "x", output_format: "jpeg", output_compression: "0" }, [{ field: "image[]", bytes: IMAGE }, mask]),
      JUDGED,
    );
    assert.equal(jpeg.quality, 1);
    assert.deepEqual(jpeg.image, IMAGE);
    assert.match(jpeg.warnings[0] ?? "", /^mask ignored/);
    assert.equal(parseOpenAiEdit(form({ prompt: "x", output_compression: "50" }), JUDGED).quality, undefined);
  });

  it("refuses what it cannot do, naming the field", () => {
    const field = (fields: Record<string, string>): string =>
      refused(() => parseOpenAiEdit(form(fields), JUDGED)).message.split(":")[0] ?? "";
    assert.equal(field({ prompt: "x", model: "dall-e-2" }), "model");
    assert.equal(field({ prompt: "x", n: "0" }), "n");
    assert.equal(field({ prompt: "x", quality: "ultra" }), "quality");
    assert.equal(field({ prompt: "x", response_format: "file" }), "response_format");
    assert.equal(field({ prompt: "x", steps: "0" }), "steps");
    assert.equal(field({ prompt: "x", instruction: "y" }), "instruction");
    assert.equal(refused(() => parseOpenAiEdit(form({ prompt: "x" }, []), JUDGED)).code, "missing_image");
  });

  it("takes one image: a second one (image or image[]) is refused as it arrives, a mask is drained", () => {
    const image: FormFile = { field: "image", bytes: IMAGE };
    assert.equal(OPENAI_IMAGE_FORM.onFile("image", []), "keep");
    assert.equal(OPENAI_IMAGE_FORM.onFile("mask", [image]), "drain");
    assert.equal(OPENAI_IMAGE_FORM.onFile("image[]", [{ field: "mask", bytes: null }]), "keep");
    assert.equal(refused(() => OPENAI_IMAGE_FORM.onFile("image[]", [image])).code, "too_many_images");
    assert.equal(refused(() => OPENAI_IMAGE_FORM.onFile("photo", [])).code, "unknown_field");
  });
});

describe("quality high on a server with a judge", () => {
  const demo = forSuite(() => demoServerWithJudge("icedit-openai-judge-"));

  it("runs one noise-selection job over 6 seeds and answers with its winner", async () => {
    const body = new FormData();
    body.append("image", new Blob([await png(64, 48)], { type: "image/png" }), "in.png");
    for (const [name, value] of Object.entries({ prompt: "make the sky green", quality: "high", size: "64x48", steps: "3" }))
      body.append(name, value);
    const response = await fetch(`${demo().url}/v1/images/edits`, { method: "POST", body });
    const answer = (await response.json()) as { data: { b64_json: string }[] };
    assert.equal(response.status, 200, JSON.stringify(answer));
    assert.equal(answer.data.length, 1);
    const id = response.headers.get("x-icedit-jobs") ?? "";
    const job = (await (await fetch(`${demo().url}/v1/edits/${id}`)).json()) as { record: { tournament: { candidates: number[] } } };
    assert.deepEqual(job.record.tournament.candidates, [42, 43, 44, 45, 46, 47]);
    assert.equal(demo().judge.requests.filter((r) => r.path === "/v1/chat/completions").length, 5, "M - 1 comparisons");
  });
});
