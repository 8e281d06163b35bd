/**
 * icedit train end to end on the demo model: a metadata.jsonl folder and a MagicBrush parquet shard
 * (both made here) train a LoRA-MoE adapter whose loss on a fixed batch falls; a run killed with
 * SIGKILL and resumed ends at the same adapter bytes as one never interrupted; the adapter loads
 * into icedit edit.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openModel } from "../../src/api/open-model.js";
import { openTrainingRun, type TrainingRun, type TrainingRunRequest } from "../../src/api/training-run.js";
import { imageIds, textIds } from "../../src/models/flux/inputs.js";
import { concatTokens } from "../../src/sampling/packing.js";
import { train } from "../../src/api/train.js";
import { Prng } from "../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { readAllF32 } from "../../src/weights/source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import type { AdapterParams, StepBatch, TrainEvent } from "../../src/train/loop/index.js";
import { useCliDemoModel } from "../cli/fixtures.js";
import { icedit } from "../cli/test-io.js";
import { imageCell, patterned, png, solid, writeMagicBrushShard, writeMetadata, writePng } from "./data/fixtures.js";

const BIN = join(process.cwd(), "bin", "icedit.js");
const SIZE = 32;

/** Four pairs: a patterned source, its target a flat green. */
async function makeFolderData(dir: string): Promise<void> {
  const lines = [];
  for (let i = 0; i < 4; i++) {
    await writePng(join(dir, `s${i}.png`), patterned(48, 48, i));
    await writePng(join(dir, `t${i}.png`), solid(48, 48, [20, 200, 40]));
    lines.push({ source: `s${i}.png`, target: `t${i}.png`, instruction: "make it green" });
  }
  await writeMetadata(dir, lines);
}

async function makeShard(path: string): Promise<void> {
  const rows = [];
  for (let i = 0; i < 3; i++) {
    rows.push({
      source: imageCell(await png(patterned(64, 64, 10 + i))),
      target: imageCell(await png(solid(64, 64, [200, 30, 30]))),
      instruction: "make it red",
    });
  }
  await writeMagicBrushShard(path, rows);
}

async function readAdapter(path: string): Promise<Map<string, Tensor<"f32">>> {
  const source = await openSafetensors(path);
  try {
    return await readAllF32(source);
  } finally {
    await source.close();
  }
}

/** The first two examples at fixed t (0.3, 0.7) and fixed noise, as one micro-batch. */
async function firstTwo(run: TrainingRun): Promise<StepBatch> {
  const examples = [await run.dataset.get(0), await run.dataset.get(1)];
  const stack = (pick: (e: (typeof examples)[number]) => Tensor<"f32">): Tensor<"f32"> => {
    const parts = examples.map(pick);
    const out = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
    parts.forEach((p, i) => out.set(p.data, i * p.data.length));
    return tensor("f32", [parts.length, ...(parts[0] as Tensor<"f32">).dims], out);
  };
  const x0 = stack((e) => e.x0);
  const noise = tensor("f32", x0.dims);
  new Prng(5).fillNormal(noise.data, 1);
  return { x0, imgCond: stack((e) => e.imgCond), txt: stack((e) => e.txt), y: stack((e) => e.y), t: Float32Array.of(0.3, 0.7), noise };
}

/** The flow-matching loss of the edit path's transformer (the model opened with `adapter`, as icedit edit opens it) on `batch`. */
async function inferenceLoss(model: string, adapter: string, batch: StepBatch): Promise<number> {
  const opened = await openModel({ model, loras: [adapter], precision: "f32" });
  try {
    const [B, L, C] = batch.x0.dims as [number, number, number];
    const f = Math.fround;
    const xt = tensor("f32", [B, L, C]);
    for (let i = 0; i < xt.data.length; i++) {
      const t = batch.t[Math.floor(i / (L * C))] as number;
      xt.data[i] = f(f(f(1 - t) * (batch.x0.data[i] as number)) + f(t * (batch.noise.data[i] as number)));
    }
    const side = SIZE / 16;
    const { out } = await opened.models.transformer.forward({
      img: concatTokens([xt, batch.imgCond]),
      imgIds: imageIds(B, side, 2 * side),
      txt: batch.txt,
      txtIds: textIds(B, batch.txt.dims[1] as number),
      timesteps: tensor("f32", [B], batch.t),
      y: batch.y,
      guidance: tensor("f32", [B], new Float32Array(B).fill(1)),
    });
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) {
      const d = (out.data[i] as number) - ((batch.noise.data[i] as number) - (batch.x0.data[i] as number));
      sum += d * d;
    }
    return sum / out.data.length;
  } finally {
    await opened.engine.close();
  }
}

/** The training graph's loss on the first two examples (firstTwo) with the run's initial adapter and with `params`. */
async function fixedBatchLosses(
  request: TrainingRunRequest,
  params: AdapterParams,
): Promise<{ initial: number; trained: number; batch: StepBatch }> {
  const run = await openTrainingRun(request);
  try {
    const batch = await firstTwo(run);
    const initial = (await run.lossAndGrads(batch, run.initialParams)).loss;
    return { initial, trained: (await run.lossAndGrads(batch, params)).loss, batch };
  } finally {
    await run.release();
  }
}

function cliTrain(args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "train", ...args, "-q"], { stdio: "ignore" });
    child.on("close", (code) => resolve(code));
  });
}

describe("icedit train on the demo model", () => {
  const demo = useCliDemoModel("icedit-train-demo-");
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-train-data-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("metadata.jsonl: the fixed-batch loss falls; kill -9 and --resume give the same adapter; icedit edit loads it", async (t) => {
    const data = join(dir, "folder");
    await makeFolderData(data);
    const common = ["--model", demo.model, "--data", data, "--size", String(SIZE), "--adapter", "moe", "--rank", "4", "--experts", "4"];
    const run = [...common, "--steps", "12", "--optimizer", "adamw", "--lr", "3e-3", "--save-every", "3"];
    assert.equal(await cliTrain([...run, "--out", join(dir, "a")]), 0);

    // The same run, killed once checkpoint 6 is on disk, then resumed.
    const killed = spawn(process.execPath, [BIN, "train", ...run, "--out", join(dir, "b"), "-q"], { stdio: "ignore" });
    const exited = new Promise((resolve) => killed.on("close", resolve));
    while (!existsSync(join(dir, "b", "checkpoint-6"))) {
      if (killed.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    killed.kill("SIGKILL");
    await exited;
    assert.ok(!existsSync(join(dir, "b", "adapter.safetensors")), "the killed run did not finish");
    assert.equal(await cliTrain(["--resume", join(dir, "b")]), 0);
    assert.deepEqual(await readFile(join(dir, "b", "adapter.safetensors")), await readFile(join(dir, "a", "adapter.safetensors")));

    const events: TrainEvent[] = [];
    const request: TrainingRunRequest = {
      model: demo.model,
      data: [data],
      adapter: { kind: "moe", rank: 4, alpha: 4, experts: 4, topK: 1, targets: "icedit", initAdapter: null },
      size: SIZE,
      quant: "f32",
      seed: 666,
      onEvent: (e) => events.push(e),
    };
    const trained = await readAdapter(join(dir, "a", "adapter.safetensors"));
    const { initial: before, trained: afterTraining, batch } = await fixedBatchLosses(request, trained);
    // Preparing the data reports each of the 4 examples (every 1%, at least one), here read from the runs' cache.
    assert.deepEqual(
      events.filter((e) => e.kind === "data"),
      [1, 2, 3, 4].map((done) => ({ kind: "data", done, total: 4, cached: done, encoded: 0 })),
    );
    assert.ok(events.some((e) => e.kind === "note" && e.message === "data: 4 examples, 4 from the cache, 0 encoded, 0 skipped"));
    t.diagnostic(`fixed-batch loss ${before.toFixed(4)} before, ${afterTraining.toFixed(4)} after 12 steps`);
    assert.ok(afterTraining < before, `the fixed-batch loss went from ${before} to ${afterTraining}`);
    // The edit path, with the saved adapter file loaded as icedit edit loads it, predicts what the training graph did.
    const viaEdit = await inferenceLoss(demo.model, join(dir, "a", "adapter.safetensors"), batch);
    assert.ok(Math.abs(viaEdit - afterTraining) <= 1e-5 * afterTraining, `edit path ${viaEdit}, training graph ${afterTraining}`);

    const out = join(dir, "edited.png");
    const edited = await icedit([
      "edit",
      "--model",
      demo.model,
      "--image",
      join(data, "s0.png"),
      "--instruction",
      "make it green",
      "--lora",
      join(dir, "a", "adapter.safetensors"),
      "--steps",
      "2",
      "--width",
      "64",
      "-o",
      out,
    ]);
    assert.equal(edited.code, 0, edited.err.join("\n"));
    assert.ok(existsSync(out));
    assert.ok(existsSync(join(dir, "a", "loss.png")));
  });

  test("a MagicBrush parquet shard trains through the library, samples an edit, and the adapter loads into icedit edit", async () => {
    const shard = join(dir, "magicbrush", "train-00000.parquet");
    await makeShard(shard);
    const steps: number[] = [];
    const result = await train({
      model: demo.model,
      data: [shard],
      out: join(dir, "mb"),
      size: SIZE,
      adapter: "lora",
      rank: 4,
      steps: 4,
      optimizer: "adamw",
      lr: 1e-3,
      checkpointing: false,
      sampleEvery: 4,
      sampleInstruction: "make it red",
      onEvent: (e) => {
        if (e.kind === "step") steps.push(e.step);
      },
    });
    assert.deepEqual(steps, [1, 2, 3, 4]);
    assert.ok(result);
    // --sample-every: an edit with the adapter of step 4, through the edit path.
    assert.equal((await readFile(join(dir, "mb", "samples", "step-4.png"))).subarray(1, 4).toString(), "PNG");
    const adapter = join(dir, "mb", "adapter.safetensors");
    const edited = await icedit([
      "edit",
      "--model",
      demo.model,
      "--image",
      join(demo.model, "example.png"),
      "--instruction",
      "make it red",
      "--lora",
      adapter,
      "--steps",
      "2",
      "--width",
      "64",
      "-o",
      join(dir, "mb.png"),
    ]);
    assert.equal(edited.code, 0, edited.err.join("\n"));
  });
});
