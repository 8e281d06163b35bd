import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CheckpointError,
  NonFiniteTrainingError,
  readCheckpointState,
  ResumeMismatchError,
  type StepBatch,
} from "../../../src/train/loop/index.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { fakeDataset, fakeParams, fakeStep } from "./fakes.js";
import { FAKE_SETTINGS, runFake } from "./run-fake.js";

async function folder(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-loop-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const logLines = async (out: string): Promise<{ step: number; loss: number; grad_norm: number; t: number[] }[]> =>
  (await readFile(join(out, "log.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

/** The closed-form gradient of the fake loss at `params` for one batch (recomputed here, independently of the loop). */
function fakeGradient(batch: StepBatch, params: Map<string, { data: Float32Array }>): number[] {
  const n = [...params.values()].reduce((a, p) => a + p.data.length, 0);
  const B = batch.t.length;
  const pick = (data: Float32Array, b: number, j: number): number => {
    const per = data.length / B;
    return data[b * per + (j % per)] as number;
  };
  const out: number[] = [];
  let k = 0;
  for (const p of params.values()) {
    for (const v of p.data) {
      let c = 0;
      for (let b = 0; b < B; b++) {
        c +=
          0.05 * (batch.t[b] as number) * pick(batch.noise.data, b, 3 * k) +
          0.3 * pick(batch.x0.data, b, k) +
          0.2 * pick(batch.imgCond.data, b, 5 * k) +
          0.4 * pick(batch.txt.data, b, k) +
          0.1 * pick(batch.y.data, b, k);
      }
      out.push((2 * (v - c / B)) / n);
      k++;
    }
  }
  return out;
}

describe("training loop", () => {
  it("3 steps, stop, resume to 6: the adapter's bytes equal an uninterrupted 6-step run's", async (t) => {
    const whole = await folder(t);
    const split = await folder(t);
    const full = await runFake(whole);
    assert.equal(full.completed, true);
    assert.equal(full.step, 6);
    const first = await runFake(split, { settings: { steps: 3 } });
    assert.equal(first.step, 3);
    assert.deepEqual(await readdir(split).then((n) => n.filter((x) => x.startsWith("checkpoint-")).sort()), [
      "checkpoint-2",
      "checkpoint-3",
    ]);
    const resumed = await runFake(split, { resume: true });
    assert.equal(resumed.step, 6);
    const a = await readFile(join(whole, "adapter.safetensors"));
    const b = await readFile(join(split, "adapter.safetensors"));
    assert.ok(a.equals(b), "the resumed run's adapter differs from the uninterrupted run's");
    assert.deepEqual(resumed.history, full.history);
    const logA = await logLines(whole);
    const logB = await logLines(split);
    assert.deepEqual(
      logB.map((l) => [l.step, l.loss, l.grad_norm, l.t]),
      logA.map((l) => [l.step, l.loss, l.grad_norm, l.t]),
    );
    // the adapter changed, so the comparison above is not of two untouched copies
    const initial = fakeParams().get("transformer.x_embedder.lora_B.weight");
    assert.ok(initial && initial.data.every((v) => v === 0));
    const state = await readCheckpointState(join(split, "checkpoint-6"));
    assert.equal(state.step, 6);
    assert.equal(state.position, 6 * FAKE_SETTINGS.batch * FAKE_SETTINGS.gradAccum);
  });

  it("decays the lr over the last steps; a constant run resumes with a decay that starts after its checkpoint", async (t) => {
    const whole = await folder(t);
    const split = await folder(t);
    await runFake(whole, { settings: { steps: 6, lrDecaySteps: 3 } });
    const lr = (await logLines(whole)).map((l) => (l as unknown as { lr: number }).lr);
    assert.deepEqual(lr, [0.05, 0.05, 0.05, 0.05 * (3 / 4), 0.05 * (2 / 4), 0.05 * (1 / 4)]);
    await runFake(split, { settings: { steps: 3 } });
    await assert.rejects(runFake(split, { resume: true, settings: { steps: 6, lrDecaySteps: 4 } }), (e: unknown) => {
      assert.ok(e instanceof ResumeMismatchError);
      assert.match(e.message, /constant lr over 3 steps.*step 3 would have had another lr/s);
      return true;
    });
    await runFake(split, { resume: true, settings: { steps: 6, lrDecaySteps: 3 } });
    const a = await readFile(join(whole, "adapter.safetensors"));
    const b = await readFile(join(split, "adapter.safetensors"));
    assert.ok(a.equals(b), "the constant run resumed with a decay differs from the decayed run");
    const constant = await folder(t);
    await runFake(constant, { settings: { steps: 6 } });
    assert.ok(!a.equals(await readFile(join(constant, "adapter.safetensors"))), "the decay changed nothing");
    await assert.rejects(runFake(await folder(t), { settings: { steps: 6, lrDecaySteps: 7 } }), /lrDecaySteps.*at most the run's 6 steps/);
  });

  it("writes the finished adapter in bf16 when asked: each value the f32 run's rounded to nearest even; checkpoints stay f32", async (t) => {
    const full = await folder(t);
    const half = await folder(t);
    await runFake(full);
    await runFake(half, { settings: { adapterDtype: "bf16" } });
    const f32 = await openSafetensors(join(full, "adapter.safetensors"));
    const bf16 = await openSafetensors(join(half, "adapter.safetensors"));
    const halfCheckpoint = await openSafetensors(join(half, "checkpoint-6", "adapter.safetensors"));
    t.after(() => Promise.all([f32.close(), bf16.close(), halfCheckpoint.close()]));
    assert.deepEqual(bf16.names(), f32.names());
    let changed = 0;
    for (const name of f32.names()) {
      assert.equal(bf16.entry(name).dtype, "bf16", name);
      assert.equal(halfCheckpoint.entry(name).dtype, "f32", name);
      const exact = (await f32.readF32(name)).data;
      const rounded = (await bf16.readF32(name)).data;
      assert.deepEqual([...(await halfCheckpoint.readF32(name)).data], [...exact], `${name}: the checkpoint is not the f32 adapter`);
      for (let i = 0; i < exact.length; i++) {
        const x = exact[i] as number;
        const r = rounded[i] as number;
        // bf16 keeps 8 significant bits: the rounding error is at most half a unit in the last place
        assert.ok(Math.abs(r - x) <= Math.abs(x) * 2 ** -8, `${name}[${i}]: ${r} is not ${x} rounded to bf16`);
        if (r !== x) changed++;
      }
    }
    assert.ok(changed > 0, "no value was rounded: the file is not bf16");
  });

  it("an abort stops after the current step, saves a checkpoint, and resuming gives the same bytes", async (t) => {
    const whole = await folder(t);
    const split = await folder(t);
    await runFake(whole, { settings: { saveEvery: 100 } });
    const controller = new AbortController();
    const aborted = await runFake(split, {
      settings: { saveEvery: 100 },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === "step" && e.step === 4) controller.abort();
      },
    });
    assert.equal(aborted.completed, false);
    assert.equal(aborted.step, 4);
    assert.equal(aborted.adapterPath, null);
    assert.match(aborted.checkpoint ?? "", /checkpoint-4$/);
    await runFake(split, { resume: true, settings: { saveEvery: 100 } });
    assert.ok((await readFile(join(whole, "adapter.safetensors"))).equals(await readFile(join(split, "adapter.safetensors"))));
  });

  it("gradient accumulation averages the micro-batches; the logged norm is the norm before clipping", async (t) => {
    const out = await folder(t);
    const step = fakeStep();
    await runFake(out, { step, settings: { steps: 1, clip: 1e-4 } });
    assert.equal(step.batches.length, 2);
    const [g1, g2] = step.batches.map((b) => fakeGradient(b, fakeParams()));
    const mean = (g1 as number[]).map((v, i) => (v + (g2 as number[])[i]!) / 2);
    const norm = Math.sqrt(mean.reduce((a, v) => a + v * v, 0));
    const [line] = await logLines(out);
    assert.ok(norm > 1e-4 * 10, "the test needs a norm above the clip");
    assert.ok(Math.abs((line?.grad_norm ?? 0) - norm) <= 1e-6 * norm, `${line?.grad_norm} vs ${norm}`);
  });

  it("visits every example once per epoch, in a seeded order, and the loss falls", async (t) => {
    const out = await folder(t);
    const data = fakeDataset();
    const step = fakeStep();
    const { runTrainingLoop } = await import("../../../src/train/loop/index.js");
    const result = await runTrainingLoop({
      out,
      dataset: data,
      lossAndGrads: step.lossAndGrads,
      initialParams: fakeParams(),
      adapterMetadata: {},
      settings: { ...FAKE_SETTINGS, batch: 1, gradAccum: 1, steps: 30, saveEvery: 30 },
      runConfig: {},
    });
    for (let epoch = 0; epoch < 6; epoch++) {
      assert.deepEqual([...data.reads.slice(epoch * 5, epoch * 5 + 5)].sort(), [0, 1, 2, 3, 4], `epoch ${epoch}`);
    }
    const orders = new Set([0, 1, 2, 3, 4, 5].map((e) => data.reads.slice(e * 5, e * 5 + 5).join()));
    assert.ok(orders.size > 1, "every epoch has the same order");
    const loss = result.history.loss;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(loss.slice(-10)) < 0.7 * mean(loss.slice(0, 5)), `loss did not fall: ${loss.join(", ")}`);
  });

  it("draws t in (0, 1), fresh noise per micro-batch, and drops the text with the given probability", async (t) => {
    const never = fakeStep();
    await runFake(await folder(t), { step: never, settings: { steps: 3, textDropout: 0 } });
    const always = fakeStep();
    await runFake(await folder(t), { step: always, settings: { steps: 3, textDropout: 1 } });
    const empty = fakeDataset().emptyPrompt;
    for (const b of always.batches) {
      for (let i = 0; i < 2; i++) {
        assert.deepEqual([...b.txt.data.slice(i * 12, (i + 1) * 12)], [...empty.txt.data]);
        assert.deepEqual([...b.y.data.slice(i * 3, (i + 1) * 3)], [...empty.y.data]);
      }
    }
    for (const b of never.batches) assert.ok(!b.txt.data.every((v) => v === 0.25));
    const ts = never.batches.flatMap((b) => [...b.t]);
    assert.ok(ts.every((v) => v > 0 && v < 1));
    assert.equal(new Set(ts).size, ts.length);
    assert.notDeepEqual([...(never.batches[0]?.noise.data ?? [])], [...(never.batches[1]?.noise.data ?? [])]);
    assert.deepEqual([...(never.batches[0]?.noise.dims ?? [])], [2, 2, 64]);
    // same seed and step: the same draws in another run
    assert.deepEqual([...(never.batches[0]?.t ?? [])], [...(always.batches[0]?.t ?? [])]);
  });

  it("draws t = sigmoid(logitMean + logitStd z) from the same z as ICEdit's sigmoid(z)", async (t) => {
    const plain = fakeStep();
    await runFake(await folder(t), { step: plain, settings: { steps: 2 } });
    const shifted = fakeStep();
    await runFake(await folder(t), { step: shifted, settings: { steps: 2, time: { logitMean: 1.5, logitStd: 0.5 } } });
    const logit = (v: number): number => Math.log(v / (1 - v));
    const zs = plain.batches.flatMap((b) => [...b.t].map(logit));
    const ts = shifted.batches.flatMap((b) => [...b.t]);
    assert.equal(ts.length, zs.length);
    ts.forEach((v, i) => assert.ok(Math.abs(v - 1 / (1 + Math.exp(-(1.5 + 0.5 * (zs[i] as number))))) < 1e-6, `t ${i}: ${v}`));
    // the noise is drawn after t: the same as the plain run's
    assert.deepEqual([...(shifted.batches[0]?.noise.data ?? [])], [...(plain.batches[0]?.noise.data ?? [])]);
  });

  it("a non-finite loss stops with the step's number and keeps the last good checkpoint", async (t) => {
    const out = await folder(t);
    const step = fakeStep({ poison: (call) => (call === 7 ? Number.NaN : 0) }); // step 4's first micro-batch
    await assert.rejects(runFake(out, { step, settings: { saveEvery: 1 } }), (e: unknown) => {
      assert.ok(e instanceof NonFiniteTrainingError);
      assert.equal(e.step, 4);
      assert.match(e.message, /step 4: the loss is NaN \(micro-batch 1 of 2\)/);
      assert.match(e.message, /checkpoint-3/);
      return true;
    });
    const names = (await readdir(out)).filter((n) => n.startsWith("checkpoint-")).sort();
    assert.deepEqual(names, ["checkpoint-2", "checkpoint-3"]);
    const state = await readCheckpointState(join(out, "checkpoint-3"));
    assert.equal(state.step, 3);
  });

  it("refuses to resume with settings that change the numbers, and a fresh run over old checkpoints", async (t) => {
    const out = await folder(t);
    await runFake(out, { settings: { steps: 2 } });
    await assert.rejects(runFake(out, { resume: true, settings: { clip: 1 } }), (e: unknown) => {
      assert.ok(e instanceof ResumeMismatchError);
      assert.match(e.message, /clip: the checkpoint has 0\.5, this run 1/);
      return true;
    });
    await assert.rejects(
      runFake(out, { resume: true, settings: { time: { logitMean: 1, logitStd: 1 } } }),
      /logitMean: the checkpoint has .*, this run 1/,
    );
    await assert.rejects(
      runFake(out, { resume: true, runConfig: { model: "other", data: "fake-data" } }),
      /model: the checkpoint has "fake-model", this run "other"/,
    );
    await assert.rejects(runFake(out), (e: unknown) => e instanceof CheckpointError && /already holds checkpoints/.test(e.message));
    // steps and the save schedule may change
    const more = await runFake(out, { resume: true, settings: { steps: 3, saveEvery: 5 } });
    assert.equal(more.step, 3);
  });
});
