import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { icedit } from "./test-io.js";
import { demoEdit, editArgs, flags, iceditWithRecord, useCliDemoModel } from "./fixtures.js";
import { FIXTURES } from "../demo/eval/fixtures.js";
import { useDemoModel } from "../api/fixtures.js";
import { readImage, writeImage } from "../../src/image/index.js";
import { exampleImage } from "../../src/demo/example-image.js";

describe("icedit edit with a FLUX.1 Kontext model", () => {
  const demo = useDemoModel("icedit-cli-kontext-", async (model) => {
    const made = await icedit(["make-demo-model", model, "--kontext"]);
    assert.equal(made.code, 0, made.err.join("\n"));
  });

  it("make-demo-model --kontext writes the Kontext layout, and edit runs Kontext on it", async () => {
    const image = join(demo.dir, "small.png");
    await writeImage(image, exampleImage(64, 32));
    const output = join(demo.dir, "out.png");
    const args = ["edit", "--model", demo.model, "--image", image, "--instruction", "make the sky green", "--steps", "2", "-o", output];
    const run = await iceditWithRecord<Record<string, unknown>>(args, join(demo.dir, "record.json"));
    assert.deepEqual(run.out, [output]);
    assert.deepEqual((await readImage(output)).dims, [32, 64, 3]);
    assert.equal(run.json["method"], "kontext");
    assert.equal(run.json["guidance"], 2.5);
    assert.equal((run.json["model"] as { method: string }).method, "kontext");
    assert.match(run.err.join("\n"), /editing with FLUX\.1 Kontext/);

    const tall = await icedit([...args.slice(0, -2), "--height", "48", "--width", "32", "-o", join(demo.dir, "tall.png")]);
    assert.equal(tall.code, 0, tall.err.join("\n"));
    assert.deepEqual((await readImage(join(demo.dir, "tall.png"))).dims, [48, 32, 3]);
  });

  it("--image twice: the second is a reference with its own tokens, placed as --reference-placement says", async () => {
    const [first, second] = [join(demo.dir, "first.png"), join(demo.dir, "second.png")];
    await writeImage(first, exampleImage(64, 32));
    await writeImage(second, exampleImage(32, 32));
    const output = join(demo.dir, "two.png");
    const args = ["edit", "--model", demo.model, "--image", first, "--image", second, "--instruction", "x", "--steps", "1", "-o", output];
    const run = await iceditWithRecord<{ fill: { condition: { tokens: number }; references: unknown } }>(
      [...args, "--reference-placement", "index"],
      join(demo.dir, "two.json"),
    );
    assert.deepEqual((await readImage(output)).dims, [32, 64, 3], "the output follows the first image");
    assert.equal(run.json.fill.condition.tokens, 8 + 4);
    assert.deepEqual(run.json.fill.references, {
      sizes: [
        { width: 64, height: 32 },
        { width: 32, height: 32 },
      ],
      placement: "index",
    });
    const bad = await icedit([...args, "--reference-placement", "tiled"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err.join("\n"), /offset|index/);
  });

  it("--judge rule --candidates 2: noise selection with Kontext, the record says which candidate won", async () => {
    const f = FIXTURES[0];
    assert.ok(f);
    const scene = join(demo.dir, "scene.png");
    await writeImage(scene, f.source);
    const [winner, sheet] = [join(demo.dir, "winner.png"), join(demo.dir, "sheet.png")];
    const judging = flags({ judge: "rule", candidates: 2, "early-steps": 1, seed: 5 });
    const args = editArgs(demo.model, scene, f.instruction, "--steps", "2", "--width", "48", ...judging, "-o", winner);
    const run = await iceditWithRecord<{
      method: string;
      seed: number;
      output: { width: number; height: number };
      tournament: { judge: unknown; candidates: number[]; winner: number; comparisons: { raw: string }[]; nfe: number };
    }>([...args, "--contact-sheet", sheet], join(demo.dir, "selection.json"));
    const { json } = run;
    assert.equal(json.method, "kontext");
    assert.deepEqual(json.tournament.judge, { kind: "rule", url: "in-process", model: "shapes" });
    assert.deepEqual(json.tournament.candidates, [5, 6]);
    assert.ok([5, 6].includes(json.tournament.winner));
    assert.equal(json.seed, json.tournament.winner, "the record's seed is the winner's");
    assert.equal(json.tournament.nfe, 2 * 1 + 1);
    assert.match(json.tournament.comparisons[0]?.raw ?? "", /^rule shapes: 1 changed/);
    assert.deepEqual(json.output, { width: 48, height: 48 });
    assert.deepEqual((await readImage(winner)).dims, [48, 48, 3]);
    assert.ok(((await readImage(sheet)).dims[1] as number) > 48, "the candidates' previews side by side");
    assert.match(run.err.join("\n"), /winner: seed/);
  });

  it("--method icedit on a Kontext model says what ICEdit needs", async () => {
    const run = await icedit(demoEdit(demo.model, "x", "--steps", "1", "--method", "icedit", "-o", join(demo.dir, "o.png")));
    assert.equal(run.code, 1);
    assert.match(run.err.join("\n"), /ICEdit needs FLUX\.1 Fill/);
  });
});

describe("icedit edit --method kontext with a FLUX.1 Fill model", () => {
  const demo = useCliDemoModel("icedit-cli-fill-method-");

  it("refuses and names the Kontext model", async () => {
    const run = await icedit(demoEdit(demo.model, "x", "--steps", "1", "--method", "kontext", "-o", join(demo.dir, "o.png")));
    assert.equal(run.code, 1);
    assert.match(run.err.join("\n"), /FLUX\.1 Fill \(384 input channels\).*FLUX\.1-Kontext-dev/s);
  });

  it("refuses a second --image: ICEdit edits one image", async () => {
    const image = join(demo.model, "example.png");
    const run = await icedit([
      "edit",
      "--model",
      demo.model,
      "--image",
      image,
      "--image",
      image,
      "--instruction",
      "x",
      "--steps",
      "1",
      "-o",
      join(demo.dir, "o.png"),
    ]);
    assert.equal(run.code, 1);
    assert.match(run.err.join("\n"), /ICEdit edits one image, but 2 were given/);
  });
});
