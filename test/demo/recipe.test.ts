/**
 * The demo recipe, smaller: every stage of npm run demo:train (random model, VAE, base on squares,
 * base on pairs, edit data, LoRA, LoRA-MoE in two phases, the decoder on the LoRA-MoE's edits,
 * evaluation) runs as its command (the transformer shipped in bf16), for a few steps (10 to 12:
 * the mean loss of the first 5 and of the last 5 steps do not overlap) at 32 px, with the whole
 * VAE and one base stage at 48 px (a stage's own size) before the edits; each training stage's
 * loss falls; the assets it writes make a trained demo folder.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readModelSettings } from "../../src/api/model-settings.js";
import { makeDemoModel } from "../../src/demo/make-demo-model.js";
import { type RecipePlan, recipePaths } from "../../src/demo/recipe/plan.js";
import { runRecipe } from "../../src/demo/recipe/run-recipe.js";
import { readTrainedDemo, TRAINED_DEMO_FILES } from "../../src/demo/trained-demo.js";
import { useTempFolder } from "../api/fixtures.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import { openWeights } from "../../src/weights/open-weights.js";
import { f32ToBf16 } from "../../src/numeric/float16.js";

const TINY: RecipePlan = {
  seed: 1,
  size: 32,
  vae: { steps: 10, batch: 2, lr: 2e-3, seed: 0 },
  trunk: [
    { kind: "vae", name: "vae-decoder", steps: 4, batch: 2, lr: 2e-3, seed: 3, panels: 1, train: "decoder" },
    { kind: "vae", name: "vae-pairs", steps: 3, batch: 1, lr: 2e-3, seed: 5, panels: 2, train: "decoder" },
    { kind: "base", name: "base-square", layout: "square", steps: 12, batch: 4, firstSeed: 0, count: 8, lr: 2e-3, scratch: true },
    { kind: "base", name: "base-pair", layout: "pair", steps: 12, batch: 4, firstSeed: 0, count: 8, lr: 1e-3, scratch: false },
    { kind: "base", name: "base-copy", layout: "copy", steps: 12, batch: 4, firstSeed: 8, count: 8, lr: 1e-3, scratch: false },
    // A stage's own size: the whole VAE trained on at 48 px (a new latent space), then the base on it.
    { kind: "vae", name: "vae-48", steps: 3, batch: 1, lr: 1e-3, seed: 6, panels: 2, train: "all", size: 48 },
    { kind: "base", name: "base-copy-48", layout: "copy", steps: 12, batch: 4, firstSeed: 8, count: 8, lr: 1e-3, scratch: false, size: 48 },
  ],
  lora: { batch: 4, rank: 4, phases: [{ edits: 8, steps: 12, lr: 1e-2 }] },
  moe: {
    batch: 4,
    rank: 4,
    experts: 2,
    targets: "icedit+text",
    dtype: "bf16",
    phases: [
      { edits: 8, steps: 12, lr: 1e-2, logitMean: 1.5 },
      { edits: 12, addedSize: 0.25, steps: 10, lr: 5e-3, logitMean: 1.5, lrDecaySteps: 10 },
    ],
  },
  transformerDtype: "bf16",
  editDecoder: [{ name: "vae-edits", steps: 4, batch: 2, lr: 2e-3, seed: 9, firstSeed: 100, count: 4 }],
  saveEvery: 6,
  evalCount: 2,
  example: { seed: 3_000_000, size: 32 },
  edit: { width: 32, guidance: 1, trueCfgScale: 2 },
};

/** Every tensor of a safetensors file, as its bytes. */
async function readTensors(path: string): Promise<Map<string, Buffer>> {
  const source = await openSafetensors(path);
  try {
    const out = new Map<string, Buffer>();
    for (const name of source.names()) {
      const t = await source.read(name);
      out.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    return out;
  } finally {
    await source.close();
  }
}

/** The LoRA up-projections (lora_B: zero at a fresh init) of an adapter file, in f32. */
async function readUpProjections(path: string): Promise<Map<string, Float32Array>> {
  const source = await openWeights(path);
  try {
    const out = new Map<string, Float32Array>();
    for (const name of source.names().filter((n) => n.includes(".lora_B."))) out.set(name, (await source.readF32(name)).data);
    return out;
  } finally {
    await source.close();
  }
}

/** Mean of the first and of the last `n` losses of a train log (log.jsonl). */
async function firstAndLast(logFile: string, n = 5): Promise<[number, number]> {
  const losses = (await readFile(logFile, "utf8"))
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { loss: number }).loss);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [mean(losses.slice(0, n)), mean(losses.slice(-n))];
}

describe("the demo recipe, a few steps of each stage", { timeout: 600_000 }, () => {
  const tmp = useTempFolder("icedit-recipe-");

  it("runs every stage, each training loss falls, and its assets make a trained demo folder", async () => {
    const work = join(tmp.dir, "work");
    const assets = join(tmp.dir, "assets");
    const recipe = await runRecipe({ plan: TINY, work, assets });
    assert.deepEqual(
      recipe.stages.map((s) => s.name),
      [
        "random model",
        "vae",
        "vae-decoder",
        "vae-pairs",
        "base-square",
        "base-pair",
        "base-copy",
        "vae-48",
        "base-copy-48",
        "edits-8",
        "edits-12-add0.25",
        "lora",
        "moe",
        "moe-2",
        "vae-edits-latents",
        "vae-edits",
        "eval",
      ],
    );
    for (const stage of recipe.stages) assert.ok(stage.seconds > 0 && stage.command.startsWith("node "), stage.name);
    assert.match(recipe.stages.find((s) => s.name === "eval")?.result ?? "", /\| LoRA-MoE .*\|/);
    assert.match(recipe.stages.find((s) => s.name === "moe")?.command ?? "", / --logit-mean 1\.5 /);
    assert.doesNotMatch(recipe.stages.find((s) => s.name === "lora")?.command ?? "", /--logit-mean/);
    // A later phase goes on from the phase before's adapter, on its own edit set.
    const phase2 = recipe.stages.find((s) => s.name === "moe-2")?.command ?? "";
    assert.match(phase2, / --data \$WORK\/edits-12-add0\.25 .* --init-adapter \$WORK\/moe\/adapter\.safetensors .* --lr-decay-steps 10 /);
    assert.doesNotMatch(recipe.stages.find((s) => s.name === "moe")?.command ?? "", /--init-adapter/);
    // The first phase picks the modules (later ones adapt the file's); the last writes the shipped dtype.
    assert.match(recipe.stages.find((s) => s.name === "moe")?.command ?? "", / --targets icedit\+text /);
    assert.doesNotMatch(phase2, /--targets/);
    assert.match(phase2, / --adapter-dtype bf16$/);
    assert.doesNotMatch(recipe.stages.find((s) => s.name === "moe")?.command ?? "", /--adapter-dtype/);

    const p = recipePaths(work);
    const vae = JSON.parse(await readFile(p.vae.replace(/\.safetensors$/, ".json"), "utf8")) as { record: { curve: [number, number][] } };
    const curve = vae.record.curve.map(([, loss]) => loss);
    assert.ok((curve.at(-1) as number) < (curve[0] as number), `vae: ${curve.join(", ")}`);
    // Each decoder stage keeps the encoder (the latent space) bit for bit and changes the decoder, the
    // second (on diptychs of two scenes) going on from the first; the assets ship the last one's VAE.
    assert.match(
      recipe.stages.find((s) => s.name === "vae-pairs")?.command ?? "",
      / --size 32 .* --init \$WORK\/vae-decoder\.safetensors --decoder-only --panels 2$/,
    );
    // A stage with its own size: the whole VAE trains (no --decoder-only) from the VAE before it.
    assert.match(
      recipe.stages.find((s) => s.name === "vae-48")?.command ?? "",
      / --size 48 .* --init \$WORK\/vae-pairs\.safetensors --panels 2$/,
    );
    assert.match(recipe.stages.find((s) => s.name === "base-copy-48")?.command ?? "", / --size 48 /);
    assert.match(recipe.stages.find((s) => s.name === "moe")?.command ?? "", / --size 32 /);
    // The edit decoder learns from the final LoRA-MoE's edits, from the last scene decoder's VAE.
    assert.match(
      recipe.stages.find((s) => s.name === "vae-edits-latents")?.command ?? "",
      / --adapter \$WORK\/moe-2\/adapter\.safetensors --out \$WORK\/vae-edits-pairs\.safetensors --first-seed 100 --count 4 --width 32 --guidance 1 --true-cfg-scale 2$/,
    );
    assert.match(
      recipe.stages.find((s) => s.name === "vae-edits")?.command ?? "",
      / --init \$WORK\/vae-48\.safetensors --latents \$WORK\/vae-edits-pairs\.safetensors$/,
    );
    const [first, decoderOnly, pairs, larger, edits, shipped] = await Promise.all(
      [
        p.vae,
        join(work, "vae-decoder.safetensors"),
        join(work, "vae-pairs.safetensors"),
        join(work, "vae-48.safetensors"),
        join(work, "vae-edits.safetensors"),
        join(assets, TRAINED_DEMO_FILES.vae),
      ].map(readTensors),
    );
    const differs = (a: Map<string, Buffer>, b: Map<string, Buffer>, prefix: string): number =>
      [...a].filter(([k, v]) => k.startsWith(prefix) && !v.equals(b.get(k) ?? Buffer.alloc(0))).length;
    for (const [before, after, stage] of [
      [first, decoderOnly, "vae-decoder"],
      [decoderOnly, pairs, "vae-pairs"],
      [larger, edits, "vae-edits"],
    ] as const) {
      assert.equal(differs(before, after, "encoder."), 0, `${stage} changed the encoder`);
      assert.ok(differs(before, after, "decoder.") > 0, `${stage} left the decoder as it was`);
    }
    assert.ok(differs(pairs, larger, "encoder.") > 0, "vae-48 left the encoder as it was");
    assert.equal(differs(edits, shipped, ""), 0, "the assets ship the last decoder stage's VAE");
    const baseStages = TINY.trunk.filter((stage) => stage.kind === "base").map((stage) => stage.name);
    for (const run of [...baseStages, "lora", "moe"].map((name) => join(work, name))) {
      const [first, last] = await firstAndLast(join(run, "log.jsonl"));
      assert.ok(last < first, `${run}: the mean loss of the first 5 steps ${first}, of the last 5 ${last}`);
    }
    // moe-2 starts where moe ended: its up-projections (zero at a fresh init) are nearer moe's than
    // moe's are to zero; and the assets ship its adapter.
    const [phase1Up, phase2Up] = await Promise.all(
      ["moe", "moe-2"].map((run) => readUpProjections(join(work, run, "adapter.safetensors"))),
    );
    const squared = (f: (name: string, i: number) => number): number =>
      [...phase1Up].reduce((sum, [name, a]) => sum + a.reduce((s, _, i) => s + f(name, i) ** 2, 0), 0);
    const moeNorm = squared((name, i) => phase1Up.get(name)?.[i] ?? 0);
    const step = squared((name, i) => (phase2Up.get(name)?.[i] ?? Number.NaN) - (phase1Up.get(name)?.[i] ?? 0));
    assert.ok(moeNorm > 0 && step < moeNorm / 4, `moe-2 moved moe's up-projections by ${step} (squared); moe's are ${moeNorm} from zero`);
    const [phase1Adapter, phase2Adapter, shippedMoe] = await Promise.all(
      [join(work, "moe", "adapter.safetensors"), join(work, "moe-2", "adapter.safetensors"), join(assets, TRAINED_DEMO_FILES.moe)].map(
        readTensors,
      ),
    );
    assert.ok(differs(phase1Adapter, phase2Adapter, "") > 0, "moe-2 left the adapter as it was");
    assert.equal(differs(phase2Adapter, shippedMoe, ""), 0, "the assets ship the last phase's adapter");
    const shippedFile = await openSafetensors(join(assets, TRAINED_DEMO_FILES.moe));
    try {
      const names = shippedFile.names();
      assert.ok(
        names.every((name) => shippedFile.entry(name).dtype === "bf16"),
        "the shipped LoRA-MoE is not bf16",
      );
      assert.ok(
        names.some((name) => name.includes(".attn.add_q_proj.")),
        "the shipped LoRA-MoE does not adapt the text stream",
      );
    } finally {
      await shippedFile.close();
    }

    // The transformer ships in bf16: the model folder's weights, each rounded to nearest even.
    const [modelTransformer, shippedTransformer] = await Promise.all([
      openWeights(join(p.model, "transformer", "diffusion_pytorch_model.safetensors")),
      openSafetensors(join(assets, TRAINED_DEMO_FILES.transformer)),
    ]);
    try {
      assert.deepEqual(shippedTransformer.names().sort(), modelTransformer.names().sort());
      for (const name of shippedTransformer.names()) {
        assert.equal(shippedTransformer.entry(name).dtype, "bf16", name);
        const rounded = f32ToBf16((await modelTransformer.readF32(name)).data);
        const stored = await shippedTransformer.read(name);
        assert.deepEqual(new Uint16Array(stored.data.buffer, stored.data.byteOffset, rounded.length), rounded, name);
      }
    } finally {
      await modelTransformer.close();
      await shippedTransformer.close();
    }

    const trained = await readTrainedDemo(assets);
    assert.deepEqual(trained.recipe.edit, TINY.edit);
    for (const file of Object.values(TRAINED_DEMO_FILES)) assert.ok(existsSync(join(assets, file)), file);
    const folder = join(tmp.dir, "demo");
    const report = await makeDemoModel(folder, { assets });
    assert.equal(report.weights, "trained");
    const settings = await readModelSettings(folder);
    assert.deepEqual(settings.edit, TINY.edit);
    assert.match(settings.adapter ?? "", /icedit-moe-lora/);
    await assert.rejects(makeDemoModel(join(tmp.dir, "demo2"), { assets, seed: 7 }), /trained with the text encoders of seed 1/);
  });

  it("says what to do when the trained weights are missing", async () => {
    await assert.rejects(readTrainedDemo(join(tmp.dir, "nowhere")), /missing .*run npm run demo:train.*--random/);
  });
});
