/**
 * The trained demo, as a newcomer meets it: `icedit make-demo-model DIR` writes the weights of
 * assets/demo/ with icedit.json, and the README's first command (edit DIR/example.png with the
 * recipe's instruction at the defaults) really makes the edit, by the pixel rule of eval-demo.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readModelSettings } from "../../src/api/model-settings.js";
import { DEMO_MOE_LORA_FILE } from "../../src/demo/make-demo-model.js";
import { scoreEdit } from "../../src/demo/eval/score.js";
import { sampleEditExample } from "../../src/demo/scenes/edit-example.js";
import { DEMO_ASSETS_DIR, readTrainedDemo, TRAINED_DEMO_FILES } from "../../src/demo/trained-demo.js";
import { DEMO_RECIPE, recipeStages } from "../../src/demo/recipe/plan.js";
import { commandLine, PACKAGE_ROOT } from "../../src/demo/recipe/run-recipe.js";
import { readImage } from "../../src/image/decode.js";
import { resizeImage, type RgbImage } from "../../src/image/index.js";
import { heldOutExamples } from "../../src/demo/eval/held-out.js";
import { vaeCeiling } from "../../src/demo/eval/vae-ceiling.js";
import { useTempFolder } from "../api/fixtures.js";
import { demoEdit } from "../cli/fixtures.js";
import { icedit } from "../cli/test-io.js";

describe("the trained demo model", () => {
  const tmp = useTempFolder("icedit-trained-demo-");

  it("make-demo-model writes it, and the README's first command edits its example correctly", async () => {
    const { recipe } = await readTrainedDemo();
    const model = join(tmp.dir, "demo");
    const made = await icedit(["make-demo-model", model]);
    assert.equal(made.code, 0, made.err.join("\n"));
    assert.match(made.err.join("\n"), new RegExp(`--instruction "${recipe.example.instruction}"`));
    const settings = await readModelSettings(model);
    assert.deepEqual(settings, { adapter: join(model, DEMO_MOE_LORA_FILE), edit: recipe.edit });
    assert.match(await readFile(join(model, "README.md"), "utf8"), /trained by icedit itself/);

    const example = sampleEditExample(recipe.example.seed, undefined, { size: recipe.example.size });
    assert.deepEqual((await readImage(join(model, "example.png"))).data, example.source.data, "the example image is the recipe's scene");
    const out = join(tmp.dir, "edited.png");
    const run = await icedit(demoEdit(model, recipe.example.instruction, "-o", out));
    assert.equal(run.code, 0, run.err.join("\n"));
    const edited = await readImage(out);
    assert.deepEqual(edited.dims, [recipe.edit.width, recipe.edit.width, 3], "edited at the model's own width");
    const score = await scoreEdit({ ...example, edited });
    assert.ok(score.passed, `"${recipe.example.instruction}": ${score.reason} (inside ${score.inside}, outside ${score.outside})`);
    // The rule's 95% outside lets a small kept shape vanish (a 20-px circle is 2% of the canvas): the example keeps 99%.
    assert.ok(score.outside >= 0.99, `"${recipe.example.instruction}" keeps only ${score.outside} of the outside within 40 of the source`);
    const readme = await readFile(join(PACKAGE_ROOT, "README.md"), "utf8");
    const first = /```sh\n[\s\S]*?--instruction "([^"]+)"/.exec(readme);
    assert.equal(first?.[1], recipe.example.instruction, "the README's first command edits the recipe's example instruction");
  });

  it("the VAE ceiling row: the targets, as the right half of the diptych at the model's width, come back through its VAE and are scored", async () => {
    const model = join(tmp.dir, "ceiling");
    const made = await icedit(["make-demo-model", model]);
    assert.equal(made.code, 0, made.err.join("\n"));
    const examples = heldOutExamples({ count: 8 });
    const seen: RgbImage[] = [];
    const run = await vaeCeiling(examples, { model, embeddingCacheDir: null }, { onEdit: (_edit, image) => void seen.push(image) });
    assert.equal(run.edits.length, 8);
    assert.equal(run.table.overall.total, 8);
    // removals only blank a shape: the trained VAE gives them back (200/200 measured)
    assert.equal(run.table.perKind.remove?.passed, 2, JSON.stringify(run.table.perKind));
    const first = examples[0];
    assert.ok(first && seen[0]);
    const { width } = (await readTrainedDemo()).recipe.edit;
    const resized = await resizeImage(first.example.target, width, width);
    assert.deepEqual(seen[0].dims, [width, width, 3], "at the model's edit width");
    let sum = 0;
    for (let i = 0; i < resized.data.length; i++) sum += Math.abs((seen[0].data[i] as number) - (resized.data[i] as number));
    const meanAbs = sum / resized.data.length;
    assert.ok(meanAbs > 0 && meanAbs < 20, `the round trip is lossy but close: mean abs ${meanAbs.toFixed(2)}`);
  });

  it("recipe.json records DEMO_RECIPE: its plan, and every stage as npm run demo:train runs it, then the eval", async () => {
    const { recipe } = await readTrainedDemo();
    const json = JSON.parse(await readFile(join(DEMO_ASSETS_DIR, TRAINED_DEMO_FILES.recipe), "utf8")) as { plan: unknown };
    assert.deepEqual(json.plan, JSON.parse(JSON.stringify(DEMO_RECIPE)), "the plan it ran is the package's DEMO_RECIPE");
    const work = "/demo-train-work";
    const stages = recipeStages(DEMO_RECIPE, work);
    assert.deepEqual(
      recipe.stages.map((s) => s.name),
      [...stages.map((s) => s.name), "eval"],
      "one record per stage, in order",
    );
    // As runRecipe records each stage: commandLine, the work folder written as $WORK.
    for (const [i, stage] of stages.entries()) assert.equal(recipe.stages[i]?.command, commandLine(stage, work), stage.name);
  });

  it("--random still writes random weights, and --seed needs it", async () => {
    const made = await icedit(["make-demo-model", join(tmp.dir, "random"), "--random", "--seed", "3"]);
    assert.equal(made.code, 0, made.err.join("\n"));
    assert.match(made.err.join("\n"), /random weights/);
    assert.deepEqual(await readModelSettings(join(tmp.dir, "random")), { edit: {} });
    const refused = await icedit(["make-demo-model", join(tmp.dir, "other"), "--seed", "3"]);
    assert.equal(refused.code, 2);
    assert.match(refused.err.join("\n"), /--seed sets the seed of --random weights/);
  });
});
