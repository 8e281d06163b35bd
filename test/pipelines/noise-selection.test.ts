import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRandomDemoModel } from "../api/fixtures.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { Engine } from "../../src/runtime/engine.js";
import { openFluxFillFolder } from "../../src/weights/hub/model-folder.js";
import { loadIceditModels, type IceditModels } from "../../src/components/icedit-models.js";
import { MemoryEmbeddingCache, TextConditioner } from "../../src/components/text/conditioning.js";
import { editImage, type EditModels } from "../../src/pipelines/icedit/edit.js";
import { icPrompt } from "../../src/pipelines/icedit/prompt.js";
import { fill, type FillRequest } from "../../src/pipelines/fill/fill.js";
import { BFL_CONVENTIONS, DIFFUSERS_CONVENTIONS } from "../../src/pipelines/fill/conventions.js";
import { CancelledError } from "../../src/pipelines/fill/errors.js";
import type { FluxTransformer } from "../../src/components/flux/transformer.js";
import { makeDiptych } from "../../src/image/diptych.js";
import { encodeImage } from "../../src/image/encode.js";
import { fillWithNoiseSelection, previewSheet, type SelectionProgress } from "../../src/pipelines/noise-selection/index.js";
import { resolveEditOptions, type EditOptions } from "../../src/api/edit-options.js";
import { createJudge, judgeFromFunction, JudgeTimeoutError, JudgeUnreachableError, type Judge } from "../../src/vlm/index.js";
import type { Tensor } from "../../src/tensor.js";
import { brightness, closedPort, imagesOf, startJudgeServer } from "../vlm/judge-server.js";
import { maxAbsDiff, scripted } from "./selection-helpers.js";

/** Counts the samples the transformer evaluates (one per batch row per call), independently of the pipeline. */
function counting(transformer: FluxTransformer): {
  transformer: FluxTransformer;
  evaluations: () => number;
  calls: () => number;
  reset: () => void;
} {
  let evaluations = 0;
  let calls = 0;
  const proxy = new Proxy(transformer, {
    get(target, prop) {
      if (prop === "forward") {
        return (...args: Parameters<FluxTransformer["forward"]>) => {
          calls += 1;
          evaluations += args[0].img.dims[0] as number;
          return target.forward(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    transformer: proxy,
    evaluations: () => evaluations,
    calls: () => calls,
    reset: () => {
      evaluations = 0;
      calls = 0;
    },
  };
}

/** Bytes that differ, and by at most how much. */
function u8Diff(a: Tensor<"u8">, b: Tensor<"u8">): { count: number; max: number } {
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs((a.data[i] as number) - (b.data[i] as number));
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return { count, max };
}

function assertSameImage(a: Tensor<"u8">, b: Tensor<"u8">): void {
  assert.deepEqual(a.dims, b.dims);
  const diff = u8Diff(a, b);
  assert.ok(diff.max <= 1 && diff.count <= a.data.length / 1000, `images differ: ${diff.count} bytes, by up to ${diff.max}`);
}

describe("noise selection on the demo model", () => {
  let dir: string;
  let engine: Engine;
  let loaded: IceditModels;
  let count: ReturnType<typeof counting>;
  let models: EditModels;
  let source: Tensor<"u8">;
  let request: FillRequest;
  const instruction = "make the sky green";
  const W = 64;
  /** An edit through the library's one entry: its defaults applied, plain or with `selection`. */
  const editWith = (options: EditOptions): ReturnType<typeof editImage> =>
    editImage(models, source, instruction, resolveEditOptions(options));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-noise-selection-"));
    await makeRandomDemoModel(join(dir, "demo"));
    engine = new Engine();
    loaded = await loadIceditModels(engine, await openFluxFillFolder(join(dir, "demo")));
    count = counting(loaded.transformer);
    models = { transformer: count.transformer, vae: loaded.vae, text: new TextConditioner(loaded.text, new MemoryEmbeddingCache()) };
    source = exampleImage(W, 48);
    const diptych = makeDiptych(source);
    const text = await models.text.encode(icPrompt(instruction));
    request = { image: diptych.image, mask: diptych.mask, txt: text.embedding.txt, y: text.embedding.y };
  });
  after(async () => {
    await loaded.release();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const conventions of [DIFFUSERS_CONVENTIONS, BFL_CONVENTIONS]) {
    it(`the winner's image equals a plain fill with its seed (${conventions.name}); cost M*m + (n - m) in m + (n - m) runs`, async () => {
      const judge = scripted([2, 2]);
      count.reset();
      const progress: string[] = [];
      const selected = await fillWithNoiseSelection(models, request, {
        seed: 100,
        candidates: 3,
        steps: 4,
        earlySteps: 2,
        guidance: 50,
        judge,
        instruction,
        original: source,
        conventions,
        onProgress: (p: SelectionProgress) => progress.push(`${p.stage}:${p.step}/${p.steps}`),
      });
      assert.equal(count.evaluations(), 3 * 2 + (4 - 2), "transformer evaluations counted at the transformer");
      assert.equal(count.calls(), 2 + (4 - 2), "one session run per early step for all candidates");
      const t = selected.tournament;
      assert.equal(t.nfe, 8);
      assert.equal(t.runs, 4);
      assert.deepEqual(t.candidates, [100, 101, 102]);
      assert.equal(t.winner, 102);
      assert.deepEqual(
        t.comparisons.map((c) => [c.a, c.b, c.choice]),
        [
          [100, 101, 2],
          [101, 102, 2],
        ],
      );
      assert.equal(t.earlySteps, 2);
      assert.equal(t.batch, 3);
      assert.equal(t.judge, "custom");
      assert.equal(t.timings.earlyStepMs.length, 2);
      assert.equal(t.timings.continueStepMs.length, 2);
      assert.equal(selected.record.seed, 102);
      assert.deepEqual(
        progress.filter((p) => !p.startsWith("probe") && !p.startsWith("prepare")),
        // Each stage first reports its start (continue at step m), then its units as they are done.
        [
          ...["early:0/2", "early:1/2", "early:2/2", "preview:0/3", "preview:3/3", "compare:0/2", "compare:1/2", "compare:2/2"],
          ...["winner:1/1", "continue:2/4", "continue:3/4", "continue:4/4", "decode:0/1", "decode:1/1"],
        ],
      );
      assert.deepEqual(
        selected.previews.map((p) => p.seed),
        [100, 101, 102],
      );
      assert.deepEqual(selected.previews[0]!.image.dims, [48, 2 * W, 3], "no view: the whole diptych");

      count.reset();
      const plain = await fill(models, request, { seed: 102, steps: 4, guidance: 50, conventions });
      assert.equal(count.evaluations(), 4);
      const drift = maxAbsDiff(selected.decoded.data, plain.decoded.data);
      assert.ok(drift <= 1e-4, `decoded images differ by ${drift}`);
      assert.ok(maxAbsDiff(selected.latent.data, plain.latent.data) <= 1e-4);
      assertSameImage(selected.image, plain.image);
      assert.deepEqual(selected.conditioning.imgCond.data, plain.conditioning.imgCond.data, "the winner's own masked-latent sample");
    });
  }

  it("runs candidates in smaller batches to the same result (batch 1 = sequential early steps)", async () => {
    const options = { seeds: [5, 9], steps: 3, earlySteps: 2, guidance: 50, instruction, original: source } as const;
    const batched = await fillWithNoiseSelection(models, request, { ...options, judge: scripted([2]) });
    count.reset();
    const sequential = await fillWithNoiseSelection(models, request, { ...options, judge: scripted([2]), batchSize: 1, previewBatch: 1 });
    assert.equal(count.calls(), 2 * 2 + 1);
    assert.equal(sequential.tournament.nfe, 5);
    assert.equal(sequential.tournament.runs, 5);
    assert.equal(sequential.tournament.batch, 1);
    assert.ok(maxAbsDiff(batched.decoded.data, sequential.decoded.data) <= 1e-4);
    for (let i = 0; i < 2; i++) assertSameImage(batched.previews[i]!.image, sequential.previews[i]!.image);
  });

  it("one candidate: no judge, n evaluations; early steps are capped at n - 1", async () => {
    let probed = 0;
    const judge: Judge = { probe: async () => void probed++, compare: async () => assert.fail("no comparison with one candidate") };
    count.reset();
    const one = await fillWithNoiseSelection(models, request, {
      seeds: [3],
      steps: 3,
      earlySteps: 10,
      guidance: 50,
      judge,
      instruction,
      original: source,
    });
    assert.equal(probed, 0);
    assert.equal(one.tournament.earlySteps, 2);
    assert.equal(one.tournament.nfe, 3);
    assert.equal(count.evaluations(), 3);
    assert.equal(one.tournament.winner, 3);
    assert.deepEqual(one.tournament.comparisons, []);
    const capped = await fillWithNoiseSelection(models, request, {
      candidates: 2,
      seed: 1,
      steps: 3,
      earlySteps: 10,
      guidance: 50,
      judge: scripted([1]),
      instruction,
      original: source,
    });
    assert.equal(capped.tournament.earlySteps, 2);
    assert.equal(capped.tournament.nfe, 2 * 2 + 1);
  });

  for (const kind of ["openai", "ollama"] as const) {
    it(`edits with a real HTTP judge (${kind}): the brightest preview wins, three images in order, equal to a plain edit`, async () => {
      const server = await startJudgeServer(["judge-vl"]);
      try {
        const judge = createJudge({ kind, url: kind === "openai" ? `${server.url}/v1` : server.url, model: "judge-vl", apiKey: "k" });
        count.reset();
        const result = await editWith({ seed: 20, steps: 4, width: W, selection: { candidates: 3, earlySteps: 2, judge } });
        const t = result.record.tournament!;
        assert.equal(count.evaluations(), 3 * 2 + 2);
        assert.equal(t.nfe, 8);
        assert.deepEqual(t.judge, { kind, url: kind === "openai" ? `${server.url}/v1` : server.url, model: "judge-vl" });
        assert.equal(result.record.seed, t.winner);

        // The server's own ranking: a running maximum of brightness over the previews it was sent.
        const pngs = await Promise.all(result.previews.map((p) => encodeImage(p.image, "png")));
        const light = await Promise.all(pngs.map(brightness));
        let best = 0;
        for (let i = 1; i < light.length; i++) if ((light[i] as number) > (light[best] as number)) best = i;
        assert.equal(t.winner, 20 + best);
        assert.deepEqual(result.previews[0]!.image.dims, [48, W, 3], "the judge sees the right half");

        const chats = server.requests.filter((r) => r.method === "POST");
        assert.equal(chats.length, 2);
        const original = Buffer.from(await encodeImage(source, "png")).toString("base64");
        const b64 = pngs.map((p) => Buffer.from(p).toString("base64"));
        t.comparisons.forEach((c, i) => {
          const images = imagesOf(chats[i]!.json);
          assert.equal(images.length, 3);
          assert.equal(images[0], b64[c.a - 20], "image 1: the incumbent");
          assert.equal(images[1], b64[c.b - 20], "image 2: the challenger");
          assert.equal(images[2], original, "image 3: the original");
        });
        assert.equal(server.requests.filter((r) => r.method === "GET").length, 1, "probed once");

        const plain = await editWith({ seed: t.winner, steps: 4, width: W });
        assertSameImage(result.image, plain.image);
      } finally {
        await server.close();
      }
    });
  }

  it("judge down: a clear error before any model work; with the first-seed fallback the first seed wins at the cost of one edit", async () => {
    const port = await closedPort();
    const judge = createJudge({ kind: "ollama", url: `http://127.0.0.1:${port}`, model: "m" });
    count.reset();
    await assert.rejects(
      editWith({ seed: 7, steps: 3, width: W, selection: { candidates: 3, earlySteps: 2, judge } }),
      JudgeUnreachableError,
    );
    assert.equal(count.evaluations(), 0, "no transformer work was wasted");

    const warnings: string[] = [];
    const onWarning = (w: string): number => warnings.push(w);
    const result = await editWith({
      seed: 7,
      steps: 3,
      width: W,
      onWarning,
      selection: { candidates: 3, earlySteps: 2, judge, fallback: "first-seed" },
    });
    const t = result.record.tournament!;
    assert.equal(t.judge, "fallback: first-seed");
    assert.equal(t.winner, 7);
    assert.deepEqual(t.candidates, [7, 8, 9]);
    assert.deepEqual(t.comparisons, []);
    assert.equal(t.nfe, 3);
    assert.match(t.fallbackReason ?? "", /ECONNREFUSED/);
    assert.equal(warnings.length, 1);
    const plain = await editWith({ seed: 7, steps: 3, width: W });
    assertSameImage(result.image, plain.image);
  });

  it("judge answers garbage: ties are recorded and the run completes with the first candidate", async () => {
    const server = await startJudgeServer(["judge-vl"]);
    try {
      for (let i = 0; i < 4; i++) server.script.push({ answer: "purple elephants" });
      const judge = createJudge({ kind: "openai", url: `${server.url}/v1`, model: "judge-vl", apiKey: null });
      const result = await editWith({ seed: 1, steps: 3, width: W, selection: { candidates: 3, earlySteps: 1, judge } });
      const t = result.record.tournament!;
      assert.deepEqual(
        t.comparisons.map((c) => [c.choice, c.retried]),
        [
          [null, true],
          [null, true],
        ],
      );
      assert.match(t.comparisons[0]!.raw, /purple elephants\n\[reminder\] purple elephants/);
      assert.equal(t.winner, 1);
    } finally {
      await server.close();
    }
  });

  it("judge slow: the time-out is honoured (an error, or under the fallback a tie that ends the tournament); 500 then 200 retries", async () => {
    const server = await startJudgeServer(["judge-vl"]);
    try {
      const judge = createJudge({ kind: "ollama", url: server.url, model: "judge-vl", timeoutMs: 200 });
      server.script.push({ delayMs: 1_000 });
      await assert.rejects(
        editWith({ seed: 1, steps: 2, width: W, selection: { candidates: 2, earlySteps: 1, judge } }),
        JudgeTimeoutError,
      );
      server.script.push({ answer: "2" }, { delayMs: 1_000 });
      const tolerated = await editWith({
        seed: 1,
        steps: 2,
        width: W,
        selection: { candidates: 3, earlySteps: 1, judge, fallback: "first-seed" },
      });
      const t = tolerated.record.tournament!;
      assert.equal(t.winner, 2);
      assert.equal(t.comparisons.length, 2);
      assert.match(t.comparisons[1]!.raw, /^error: .*did not answer within 0.2 s/);
      assert.match(t.fallbackReason ?? "", /comparison 2 of 2 failed/);
      assert.deepEqual(t.judge, { kind: "ollama", url: server.url, model: "judge-vl" });

      server.script.push({ status: 500, body: "busy" }, { answer: "2" });
      const retrying = createJudge({ kind: "ollama", url: server.url, model: "judge-vl", retries: 1 });
      const retried = await editWith({ seed: 1, steps: 2, width: W, selection: { candidates: 2, earlySteps: 1, judge: retrying } });
      assert.equal(retried.record.tournament?.winner, 2);
    } finally {
      await server.close();
    }
  });

  it("cancels between early steps and between comparisons", async () => {
    const controller = new AbortController();
    count.reset();
    await assert.rejects(
      fillWithNoiseSelection(models, request, {
        seed: 42,
        candidates: 3,
        steps: 4,
        earlySteps: 3,
        guidance: 50,
        judge: scripted([1, 1]),
        instruction,
        original: source,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.stage === "early" && p.step === 1) controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(count.calls(), 1, "stopped after the first batched step");

    const second = new AbortController();
    const judge = judgeFromFunction(() => {
      second.abort();
      return 2;
    });
    count.reset();
    await assert.rejects(
      fillWithNoiseSelection(models, request, {
        ...{ seed: 42, candidates: 3, steps: 4, earlySteps: 2, guidance: 50 },
        ...{ judge, instruction, original: source, signal: second.signal },
      }),
      CancelledError,
    );
    assert.equal(count.calls(), 2, "the winner did not continue");
  });

  it("draws a contact sheet of the previews with the winner framed", async () => {
    const result = await fillWithNoiseSelection(models, request, {
      seed: 4,
      candidates: 3,
      steps: 2,
      earlySteps: 1,
      guidance: 50,
      judge: scripted([2, 1]),
      instruction,
      original: source,
    });
    const sheet = previewSheet(result.previews, result.tournament.winner);
    assert.equal(sheet.dims[2], 3);
    assert.ok((sheet.dims[1] as number) >= 3 * 2 * W, "three previews side by side");
    let green = 0;
    for (let i = 0; i < sheet.data.length; i += 3)
      if (sheet.data[i] === 0 && sheet.data[i + 1] === 230 && sheet.data[i + 2] === 90) green++;
    assert.ok(green > 2 * (2 * W + 48) * 2, `a winner frame is drawn (${green} green pixels)`);
  });
});
