import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTrainCommand } from "../../src/cli/train.js";
import { main } from "../../src/cli/main.js";
import { icedit, recordingIO, type Recorded } from "./test-io.js";
import { UsageError } from "../../src/cli/io.js";
import { demoEdit, useCliDemoModel } from "./fixtures.js";
import { DEMO_FLUX } from "../../src/demo/make-demo-model.js";
import { fakeRunFactory } from "../train/loop/fake-run.js";
import type { TrainingRunFactory } from "../../src/api/training-run.js";

async function folder(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-cli-train-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `icedit train ...args` through main(), with the model side replaced by `openRun`. */
async function run(args: string[], openRun: TrainingRunFactory = fakeRunFactory(), recorded: Recorded = recordingIO()) {
  const command = makeTrainCommand(openRun);
  // as main() prints errors: usage errors exit 2, the others 1
  let code: number;
  try {
    code = await command(args, recorded.io);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    recorded.io.err(`icedit train: ${error.message}`);
    code = error instanceof UsageError ? 2 : 1;
  }
  return { code, out: recorded.out, err: recorded.err };
}

describe("icedit train", () => {
  it("prints its help with every flag", async () => {
    const r = recordingIO();
    assert.equal(await main(["train", "--help"], r.io), 0);
    const help = r.out.join("\n");
    for (const flag of [
      "--model",
      "--data",
      "--adapter",
      "--rank",
      "--alpha",
      "--experts",
      "--top-k",
      "--targets",
      "--init-adapter",
      "--optimizer",
      "--lr",
      "--weight-decay",
      "--clip",
      "--batch",
      "--grad-accum",
      "--steps",
      "--size",
      "--seed",
      "--quant",
      "--save-every",
      "--sample-every",
      "--sample-instruction",
      "--out",
      "--resume",
      "--text-dropout",
      "--logit-mean",
      "--logit-std",
      "--lr-decay-steps",
      "--adapter-dtype",
      "--json",
    ]) {
      assert.match(help, new RegExp(`\\n\\s+${flag} `), flag);
    }
  });

  it("names the flag and what it takes for every bad value", async (t) => {
    const dir = await folder(t);
    const ok = ["--data", dir, "--out", join(dir, "out"), "--steps", "2"];
    const cases: [string[], RegExp][] = [
      [["--out", dir, "--steps", "2"], /--data is required/],
      [["--data", dir, "--steps", "2"], /--out is required/],
      [["--data", dir, "--out", dir], /--steps is required/],
      [["--data", join(dir, "missing"), "--out", dir, "--steps", "2"], /--data .*missing: no such file or folder/],
      [[...ok, "--top-k", "0"], /--top-k takes a whole number >= 1, got "0"/],
      [[...ok, "--top-k", "5"], /--top-k must be a whole number from 1 to 4, got 5/],
      [[...ok, "--adapter", "dora"], /--adapter takes one of lora, moe, got "dora"/],
      [[...ok, "--adapter", "lora", "--experts", "2"], /--experts applies to adapter "moe" only/],
      [[...ok, "--optimizer", "sgd"], /--optimizer takes one of prodigy, adamw/],
      [[...ok, "--quant", "int2"], /--quant takes one of f32, int8, int4/],
      [[...ok, "--size", "500"], /--size takes a multiple of 16, got 500 \(try 496\)/],
      [[...ok, "--text-dropout", "2"], /--text-dropout takes a probability from 0 to 1/],
      [[...ok, "--lr", "fast"], /--lr takes a number, got "fast"/],
      [[...ok, "--logit-mean", "high"], /--logit-mean takes a number, got "high"/],
      [[...ok, "--logit-std", "0"], /--logit-std takes a number > 0/],
      [[...ok, "--lr-decay-steps=-3"], /--lr-decay-steps takes a whole number >= 0, got "-3"/],
      [[...ok, "--lr-decay-steps", "3"], /--lr-decay-steps must be at most the run's 2 steps, got 3/],
      [[...ok, "--lr", "0"], /--lr takes a number > 0/],
      [[...ok, "--clip=-1"], /--clip takes a number > 0/],
      [[...ok, "--grad-accum", "0"], /--grad-accum takes a whole number >= 1/],
      [[...ok, "--adapter-dtype", "f16"], /--adapter-dtype takes one of f32, bf16, got "f16"/],
      [[...ok, "--targets", "every"], /--targets takes one of icedit, icedit\+text, all, got "every"/],
      [[...ok, "--sample-every", "5"], /--sample-instruction is needed with sampleEvery/],
      [[...ok, "stray"], /unexpected argument "stray"/],
    ];
    for (const [args, message] of cases) {
      const openRun = fakeRunFactory();
      const r = await run(args, openRun);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err.join("\n")}`);
      assert.match(r.err.join("\n"), message);
      assert.equal(openRun.log.requests.length, 0, `${args.join(" ")} opened the model`);
    }
  });

  it("trains, prints a line per step (loss, average, speed, ETA) and the adapter path", async (t) => {
    const dir = await folder(t);
    const out = join(dir, "run");
    const r = await run(["--data", dir, "--out", out, "--steps", "3", "--save-every", "2", "--optimizer", "adamw"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, [join(out, "adapter.safetensors")]);
    const lines = r.err.filter((l) => l.startsWith("step "));
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? "",
      /^step 1\/3 {2}loss \d+\.\d{4} \(avg \d+\.\d{4}\) {2}grad \d+\.\d{3} {2}lr 1\.00e-4 {2}.*(steps\/s|\/step) {2}ETA /,
    );
    assert.match(r.err.join("\n"), /checkpoint 2: .*checkpoint-2/);
    assert.deepEqual((await readdir(out)).sort(), ["adapter.safetensors", "checkpoint-2", "checkpoint-3", "log.jsonl", "loss.png"]);
  });

  it("shows the data's preparing: a line per event, the ETA from the second on", async (t) => {
    const dir = await folder(t);
    const dataEvents = [1, 2, 3].map((done) => ({ kind: "data" as const, done, total: 3, cached: 1, encoded: done - 1 }));
    const r = await run(["--data", dir, "--out", join(dir, "run"), "--steps", "1"], fakeRunFactory({ dataEvents }));
    assert.equal(r.code, 0, r.err.join("\n"));
    const lines = r.err.filter((l) => l.startsWith("preparing examples"));
    assert.equal(lines.length, 3, r.err.join("\n"));
    assert.equal(lines[0], "preparing examples 1/3 (1 from the cache, 0 encoded)");
    assert.match(lines[1] ?? "", /^preparing examples 2\/3 \(1 from the cache, 1 encoded\) {2}ETA \d+\.\d s$/);
    assert.match(lines[2] ?? "", /^preparing examples 3\/3 \(1 from the cache, 2 encoded\) {2}ETA 0\.0 s$/);
  });

  it("draws a bar on a terminal and writes JSON lines with --json", async (t) => {
    const dir = await folder(t);
    const tty = recordingIO();
    const r = await run(["--data", dir, "--out", join(dir, "a"), "--steps", "2"], fakeRunFactory(), {
      ...tty,
      io: { ...tty.io, tty: true },
    });
    assert.equal(r.code, 0);
    assert.ok(
      r.err.some((l) => /\[#+-*\] step 1\/2 {2}loss/.test(l)),
      r.err.join("|"),
    );
    const j = await run(["--data", dir, "--out", join(dir, "b"), "--steps", "2", "--json"]);
    assert.equal(j.code, 0);
    const events = j.out.map((l) => JSON.parse(l) as { kind: string; step?: number; adapterPath?: string });
    assert.deepEqual(
      events.map((e) => e.kind),
      ["step", "step", "checkpoint", "done"],
    );
    assert.equal(events[3]?.adapterPath, join(dir, "b", "adapter.safetensors"));
  });

  it("Ctrl-C saves a checkpoint and exits 130; --resume finishes the run", async (t) => {
    const dir = await folder(t);
    const out = join(dir, "run");
    const recorded = recordingIO();
    const openRun = fakeRunFactory({ delayMs: 5 });
    let pressed = false;
    const io = {
      ...recorded.io,
      err: (line: string) => {
        recorded.err.push(line);
        if (!pressed && line.startsWith("step 2/")) {
          pressed = true;
          recorded.interrupt();
        }
      },
    };
    const r = await run(["--data", dir, "--out", out, "--steps", "5", "--save-every", "10"], openRun, { ...recorded, io });
    assert.equal(r.code, 130, r.err.join("\n"));
    assert.match(r.err.join("\n"), /stopping after the current step/);
    assert.match(r.err.join("\n"), /stopped at step 2; resume with icedit train --resume /);
    assert.deepEqual(r.out, [join(out, "checkpoint-2")]);
    const resumed = await run(["--resume", out]);
    assert.equal(resumed.code, 0, resumed.err.join("\n"));
    assert.match(resumed.err.join("\n"), /resuming from .*checkpoint-2 \(step 2 of 5\)/);
    assert.deepEqual(resumed.out, [join(out, "adapter.safetensors")]);
  });

  it("a diverging run stops with the step's number and exit 1", async (t) => {
    const dir = await folder(t);
    const r = await run(
      ["--data", dir, "--out", join(dir, "run"), "--steps", "5", "--save-every", "1"],
      fakeRunFactory({ poison: (call) => (call === 5 ? Number.POSITIVE_INFINITY : 0) }),
    );
    assert.equal(r.code, 1);
    assert.match(
      r.err.join("\n"),
      /training diverged at step 3: the loss is Infinity \(micro-batch 1 of 2\)\. The last good checkpoint is .*checkpoint-2/,
    );
  });

  it("a data folder without metadata.jsonl is refused before training (through main)", async (t) => {
    const dir = await folder(t);
    const r = recordingIO();
    const code = await main(["train", "--model", dir, "--data", dir, "--out", join(dir, "run"), "--steps", "2"], r.io);
    assert.equal(code, 1);
    assert.match(r.err.join("\n"), /icedit train: .*metadata\.jsonl/);
  });
});

describe("icedit train, then icedit edit --lora", () => {
  const demo = useCliDemoModel("icedit-train-edit-");

  it("icedit edit loads the trained LoRA-MoE adapter (experts, router, top-k) and edits with it", async () => {
    const out = join(demo.dir, "run");
    const trained = await run(
      ["--data", demo.dir, "--out", out, "--steps", "2", "--rank", "4", "--alpha", "8", "--optimizer", "adamw", "--lr", "0.01"],
      fakeRunFactory({ flux: DEMO_FLUX }),
    );
    assert.equal(trained.code, 0, trained.err.join("\n"));
    const adapter = join(out, "adapter.safetensors");
    const edited = join(demo.dir, "edited.png");
    const r = await icedit(demoEdit(demo.model, "add a moon", "--steps", "1", "--width", "128", "--lora", adapter, "-o", edited));
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(r.err.join("\n"), /adapter .*adapter\.safetensors: LoRA-MoE, 4 experts, top-1, \d+ modules, scale 1/);
    assert.doesNotMatch(r.err.join("\n"), /warning/);
    assert.deepEqual(r.out, [edited]);
  });
});
