import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResumeMismatchError, train, TrainOptionError, type TrainEvent, type TrainOptions } from "../../../src/index.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { readLoraAdapter } from "../../../src/weights/lora/index.js";
import { T1_TARGETS } from "../../weights/lora-helpers.js";
import { fakeRunFactory } from "./fake-run.js";
import { GOLDEN_T1 } from "../../../src/models/flux/params.js";

async function folder(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-train-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const base = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out,
  data: ["/data/edits"],
  steps: 4,
  saveEvery: 2,
  openRun: fakeRunFactory(),
  ...extra,
});

describe("train()", () => {
  it("runs with ICEdit's defaults, reports progress, writes the adapter and releases the model", async (t) => {
    const out = await folder(t);
    const openRun = fakeRunFactory();
    const events: TrainEvent[] = [];
    const result = await train(base(out, { openRun, onEvent: (e) => events.push(e) }));
    assert.equal(result.completed, true);
    assert.equal(result.adapterPath, join(out, "adapter.safetensors"));
    const s = result.settings;
    assert.deepEqual(s.adapter, { kind: "moe", rank: 32, alpha: 32, experts: 4, topK: 1, targets: "icedit", initAdapter: null });
    assert.deepEqual(s.loop.optimizer, {
      kind: "prodigy",
      settings: { lr: 1, weight_decay: 0.01, use_bias_correction: true, safeguard_warmup: true },
    });
    assert.equal(s.loop.clip, 0.5);
    assert.equal(s.loop.seed, 666);
    assert.equal(s.loop.batch, 1);
    assert.equal(s.loop.gradAccum, 2);
    assert.equal(s.loop.textDropout, 0.1);
    assert.equal(s.size, 512);
    assert.equal(openRun.log.released, 1);
    assert.equal(openRun.log.requests[0]?.seed, 666);
    const steps = events.filter((e) => e.kind === "step");
    assert.deepEqual(
      steps.map((e) => e.step),
      [1, 2, 3, 4],
    );
    for (const e of steps) {
      assert.ok(
        e.kind === "step" && Number.isFinite(e.loss) && Number.isFinite(e.lossAverage) && e.stepsPerSecond > 0 && e.etaSeconds >= 0,
      );
      assert.ok(e.kind === "step" && e.d !== null && e.d > 0, "Prodigy's d is reported");
    }
    assert.deepEqual(
      events.filter((e) => e.kind === "checkpoint").map((e) => e.kind === "checkpoint" && e.step),
      [2, 4],
    );
    const png = await readFile(join(out, "loss.png"));
    assert.equal(png.subarray(1, 4).toString(), "PNG");
  });

  it("writes an adapter that the project's LoRA reader loads: MoE experts, router, alpha / r and top-k from the metadata", async (t) => {
    const out = await folder(t);
    await train(
      base(out, {
        openRun: fakeRunFactory({ flux: GOLDEN_T1 }),
        rank: 4,
        alpha: 8,
        experts: 3,
        topK: 2,
        steps: 2,
        optimizer: "adamw",
        lr: 1e-3,
      }),
    );
    const source = await openSafetensors(join(out, "adapter.safetensors"));
    t.after(() => source.close());
    const topK = (JSON.parse(source.metadata()["golden_moe"] ?? "{}") as { top_k?: number }).top_k;
    assert.equal(topK, 2);
    const lora = await readLoraAdapter(source, T1_TARGETS, { topK });
    assert.equal(lora.format, "diffusers-peft+icedit-moe");
    assert.equal(lora.hasMoe, true);
    assert.equal(lora.ignoredKeys.length, 0);
    assert.equal(lora.matchedModules, lora.totalModules);
    const mlp = lora.layers.get("double_blocks.0.img_mlp.2");
    assert.equal(mlp?.moe[0]?.experts.length, 3);
    assert.equal(mlp?.moe[0]?.topK, 2);
    const qkv = lora.layers.get("double_blocks.0.img_attn.qkv");
    assert.equal(qkv?.plain[0]?.scaling, 2, "alpha 8 / rank 4 from lora_adapter_metadata");
    // trained: B moved away from its zero init
    assert.ok(qkv?.plain[0]?.B.data.some((v) => v !== 0));
  });

  it("resumes from the folder with the checkpoint's settings, to the same bytes as an uninterrupted run", async (t) => {
    const whole = await folder(t);
    const split = await folder(t);
    const settings = { optimizer: "adamw" as const, lr: 0.01, batch: 2, textDropout: 0.5, seed: 7, adapterDtype: "bf16" };
    await train(base(whole, { ...settings, steps: 5 }));
    const controller = new AbortController();
    const first = await train(
      base(split, {
        ...settings,
        steps: 5,
        signal: controller.signal,
        onEvent: (e) => e.kind === "step" && e.step === 3 && controller.abort(),
      }),
    );
    assert.equal(first.completed, false);
    assert.equal(first.step, 3);
    const notes: string[] = [];
    const resumed = await train({ resume: split, openRun: fakeRunFactory(), onEvent: (e) => e.kind === "note" && notes.push(e.message) });
    assert.equal(resumed.step, 5);
    assert.equal(resumed.settings.loop.seed, 7);
    assert.equal(resumed.settings.loop.adapterDtype, "bf16", "the resumed run writes the adapter in the checkpoint's dtype");
    assert.deepEqual(resumed.settings.data, ["/data/edits"]);
    assert.match(notes.join("\n"), /resuming from .*checkpoint-3 \(step 3 of 5\)/);
    assert.ok((await readFile(join(whole, "adapter.safetensors"))).equals(await readFile(join(split, "adapter.safetensors"))));
  });

  it("refuses to resume with another optimizer, adapter shape or model", async (t) => {
    const out = await folder(t);
    await train(base(out, { steps: 2 }));
    await assert.rejects(train({ resume: out, steps: 3, optimizer: "adamw", openRun: fakeRunFactory() }), (e: unknown) => {
      assert.ok(e instanceof ResumeMismatchError);
      assert.match(e.message, /optimizer: the checkpoint has \{"kind":"prodigy"/);
      return true;
    });
    await assert.rejects(train({ resume: out, steps: 3, rank: 16, openRun: fakeRunFactory() }), /adapter: the checkpoint has .*"rank":32/);
    await assert.rejects(
      train({ resume: out, steps: 3, openRun: fakeRunFactory({ fingerprint: "another model" }) }),
      /modelFingerprint: the checkpoint has "fake .*", this run "another model"/,
    );
    await assert.rejects(train({ resume: join(out, "nothing-here"), openRun: fakeRunFactory() }), /no complete checkpoint in/);
  });

  it("names the option and what it takes for every bad value, before opening anything", async (t) => {
    const out = await folder(t);
    const openRun = fakeRunFactory();
    const bad: [Partial<TrainOptions>, string, RegExp][] = [
      [{ topK: 5 }, "topK", /from 1 to 4, got 5/],
      [{ size: 500 }, "size", /multiple of 16, got 500 \(try 496\)/],
      [{ adapter: "lora", experts: 2 }, "experts", /applies to adapter "moe" only/],
      [{ steps: undefined }, "steps", /is required/],
      [{ data: [] }, "data", /at least one data set/],
      [{ out: undefined }, "out", /is required/],
      [{ rank: 0 }, "rank", />= 1, got 0/],
      [{ alpha: -1 }, "alpha", /> 0, got -1/],
      [{ lr: 0 }, "lr", /> 0/],
      [{ clip: 0 }, "clip", /> 0/],
      [{ textDropout: 1.5 }, "textDropout", /probability/],
      [{ logitMean: Number.NaN }, "logitMean", /finite number, got NaN/],
      [{ logitStd: 0 }, "logitStd", /> 0, got 0/],
      [{ lrDecaySteps: -1 }, "lrDecaySteps", />= 0, got -1/],
      [{ adapterDtype: "f16" }, "adapterDtype", /one of f32, bf16, got "f16"/],
      [{ batch: 0 }, "batch", />= 1/],
      [{ gradAccum: 1.5 }, "gradAccum", /whole number/],
      [{ optimizer: "sgd" as "adamw" }, "optimizer", /one of prodigy, adamw, got "sgd"/],
      [{ quant: "int2" as "int4" }, "quant", /one of f32, int8, int4/],
      [{ sampleEvery: 10 }, "sampleInstruction", /is needed with sampleEvery/],
      [{ sampleInstruction: "add a hat" }, "sampleInstruction", /needs sampleEvery/],
    ];
    for (const [options, option, detail] of bad) {
      await assert.rejects(train({ ...base(out, { openRun }), ...options }), (e: unknown) => {
        assert.ok(e instanceof TrainOptionError, `${option}: ${String(e)}`);
        assert.equal(e.option, option);
        assert.match(e.detail, detail);
        return true;
      });
    }
    assert.equal(openRun.log.requests.length, 0);
  });

  it("without a sample edit hook refuses sampleEvery; with one writes samples/step-N.png", async (t) => {
    const out = await folder(t);
    await assert.rejects(train(base(out, { sampleEvery: 2, sampleInstruction: "add a hat" })), /sampleEvery cannot be used/);
    const calls: number[] = [];
    const { rgbImage } = await import("../../../src/image/rgb.js");
    const openRun = fakeRunFactory({
      sampleEdit: async (params, request) => {
        assert.equal(request.instruction, "add a hat");
        assert.ok(params.size > 0);
        calls.push(request.step);
        return rgbImage(8, 16);
      },
    });
    const other = await folder(t);
    await train(base(other, { openRun, sampleEvery: 2, sampleInstruction: "add a hat" }));
    assert.deepEqual(calls, [2, 4]);
    assert.equal((await readFile(join(other, "samples", "step-4.png"))).subarray(1, 4).toString(), "PNG");
  });
});
