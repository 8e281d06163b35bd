import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor } from "../../../src/tensor.js";
import { assembleBatch } from "../../../src/train/loop/batch.js";
import { TrainLog } from "../../../src/train/loop/train-log.js";
import { epochOrder, drawMicroBatch } from "../../../src/train/loop/random.js";
import { CheckpointError, loadCheckpoint, loadLatestCheckpoint, TrainingDataError } from "../../../src/train/loop/index.js";
import { writeCheckpoint } from "../../../src/train/loop/checkpoint-write.js";
import { flattenOptimizerState } from "../../../src/train/optim/index.js";
import { fakeDataset } from "./fakes.js";
import { runFake } from "./run-fake.js";

async function folder(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-ckpt-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("checkpoints", () => {
  it("resume passes over a damaged newest checkpoint (with a note) and still ends with the uninterrupted run's bytes", async (t) => {
    const whole = await folder(t);
    const split = await folder(t);
    await runFake(whole);
    await runFake(split, { settings: { steps: 4 } });
    await writeFile(join(split, "checkpoint-4", "state.json"), '{"format": "icedit-train-che');
    await mkdir(join(split, ".checkpoint-5.4242.00aa11bb22cc.tmp"));
    const notes: string[] = [];
    const latest = await loadLatestCheckpoint(split, (m) => notes.push(m));
    assert.equal(latest.state.step, 2);
    assert.match(notes.join("\n"), /skipping checkpoint 4: .*state\.json is not valid JSON: the checkpoint is damaged/);
    await rm(join(split, "checkpoint-4"), { recursive: true });
    await runFake(split, { resume: true });
    assert.ok((await readFile(join(whole, "adapter.safetensors"))).equals(await readFile(join(split, "adapter.safetensors"))));
    assert.ok(!(await readdir(split)).some((n) => n.startsWith(".checkpoint-")), "the half-written checkpoint was removed");
  });

  it("an adapter file that lost a tensor is refused; a folder with no checkpoint says so", async (t) => {
    const out = await folder(t);
    await runFake(out, { settings: { steps: 2 } });
    const { writeSafetensors } = await import("../../../src/weights/safetensors/writer.js");
    await writeSafetensors(join(out, "checkpoint-2", "adapter.safetensors"), { x: tensor("f32", [1]) });
    await assert.rejects(
      loadLatestCheckpoint(out),
      (e: unknown) => e instanceof CheckpointError && /no complete checkpoint/.test(e.message),
    );
    await assert.rejects(loadLatestCheckpoint(join(out, "none")), /no complete checkpoint in .*none/);
  });

  it("keeps the newest checkpoints only, and replaces a checkpoint of the same step whole", async (t) => {
    const out = await folder(t);
    await runFake(out, { settings: { saveEvery: 1, keepCheckpoints: 3 } });
    assert.deepEqual((await readdir(out)).filter((n) => n.startsWith("checkpoint-")).sort(), [
      "checkpoint-4",
      "checkpoint-5",
      "checkpoint-6",
    ]);
    const loaded = await loadCheckpoint(join(out, "checkpoint-6"));
    const state = { ...loaded.state, history: { loss: loaded.state.history.loss.map(() => 7), gradNorm: loaded.state.history.gradNorm } };
    const path = await writeCheckpoint(out, {
      params: loaded.params,
      adapterMetadata: {},
      optimizer: flattenOptimizerState(loaded.optimizer),
      state,
    });
    assert.equal(path, join(out, "checkpoint-6"));
    const again = await loadCheckpoint(path);
    assert.deepEqual(again.state.history.loss, [7, 7, 7, 7, 7, 7]);
    assert.deepEqual([...(again.params.values().next().value?.data ?? [])], [...(loaded.params.values().next().value?.data ?? [])]);
    assert.ok(!(await readdir(out)).some((n) => n.startsWith(".")), "no temporary or replaced folder is left");
  });
});

describe("log.jsonl", () => {
  it("a resumed log keeps steps up to the checkpoint and drops a line cut short by a kill", async (t) => {
    const dir = await folder(t);
    const path = join(dir, "log.jsonl");
    await writeFile(path, '{"step":1}\n{"step":2}\n{"step":3}\n{"step":4,"lo');
    const log = await TrainLog.open(path, 2);
    await log.append({ step: 3, epoch: 0, loss: 1, loss_avg: 1, grad_norm: 1, lr: 1, d: null, t: [0.5], seconds: 0, time: "now" });
    await log.close();
    const steps = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { step: number }).step);
    assert.deepEqual(steps, [1, 2, 3]);
  });
});

describe("data order and draws", () => {
  it("each epoch's order is a seeded permutation", () => {
    const a = epochOrder(666, 0, 50);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual([...epochOrder(666, 0, 50)], [...a]);
    assert.notDeepEqual([...epochOrder(666, 1, 50)], [...a]);
    assert.notDeepEqual([...epochOrder(667, 0, 50)], [...a]);
  });

  it("draws depend on (seed, step, micro-batch) only; t = sigmoid(z) stays in (0, 1); noise is standard normal", () => {
    const d = drawMicroBatch(666, 3, 1, [4, 64, 64], 0.1);
    assert.deepEqual([...drawMicroBatch(666, 3, 1, [4, 64, 64], 0.1).noise.data], [...d.noise.data]);
    assert.notDeepEqual([...drawMicroBatch(666, 3, 0, [4, 64, 64], 0.1).t], [...d.t]);
    assert.notDeepEqual([...drawMicroBatch(666, 4, 1, [4, 64, 64], 0.1).t], [...d.t]);
    assert.ok([...d.t].every((v) => v > 0 && v < 1));
    const n = d.noise.data;
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const variance = n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, variance ${variance}`);
    const drops = Array.from({ length: 400 }, (_, s) => drawMicroBatch(1, s + 1, 0, [1, 1, 64], 0.1).dropText[0]).filter(Boolean).length;
    assert.ok(drops > 20 && drops < 65, `${drops} of 400 dropped at p = 0.1`);
  });

  it("a micro-batch of examples of different sizes is refused, naming them", async () => {
    const data = fakeDataset();
    const a = await data.get(0);
    const b = { ...(await data.get(1)), x0: tensor("f32", [4, 64]), origin: "big.png" };
    const draws = drawMicroBatch(1, 1, 0, [2, 2, 64], 0);
    assert.throws(
      () => assembleBatch([a, b], draws, data.emptyPrompt),
      (e: unknown) =>
        e instanceof TrainingDataError && /x0 of big\.png has shape \[4, 64\] but fake example 0 has \[2, 64\]/.test(e.message),
    );
  });
});
