import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/index.js";
import { demoServerWithJudge, forSuite } from "./fixtures.js";
import { followEvents, json, png, submit, type ErrorReply, type Job } from "./helpers.js";

describe("icedit serve --judge: noise selection through the API", () => {
  const demo = forSuite(() => demoServerWithJudge("icedit-selection-"));

  it("runs the candidates' early steps, streams the judge's verdicts and the winner, and serves the candidates' sheet", async () => {
    const health = await json<{ noise_selection: boolean }>(await fetch(`${demo().url}/healthz`));
    assert.equal(health.body.noise_selection, true);
    const image = await png(64, 48);
    const submitted = await submit(demo().url, image, {
      instruction: "make the sky green",
      width: 64,
      steps: 3,
      seed: 5,
      candidates: 3,
      early_steps: 1,
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    assert.deepEqual((submitted.body.params as unknown as { selection: unknown }).selection, {
      candidates: 3,
      earlySteps: 1,
      fallback: "none",
    });

    const events = await followEvents(demo().url, submitted.body.id);
    const names = events.map((e) => e.event);
    assert.equal(names.at(-1), "done", names.join(" "));
    const comparisons = events.filter((e) => e.event === "comparison").map((e) => [e.data["a"], e.data["b"]]);
    assert.equal(comparisons.length, 2, "M - 1 comparisons");
    const winner = events.find((e) => e.event === "winner")?.data["seed"];
    assert.ok([5, 6, 7].includes(winner as number), `winner ${String(winner)}`);
    const stages = new Set(events.filter((e) => e.event === "progress").map((e) => e.data["stage"]));
    for (const stage of ["probe", "early", "preview", "compare", "continue", "decode"]) assert.ok(stages.has(stage), `stage ${stage}`);

    const done = events.at(-1)?.data as unknown as Job & {
      record: { tournament: { candidates: number[]; winner: number } };
      urls: { candidates: string };
    };
    assert.deepEqual(done.record.tournament.candidates, [5, 6, 7]);
    assert.equal(done.record.tournament.winner, winner);
    const sheet = await fetch(`${demo().url}${done.urls.candidates}`);
    assert.equal(sheet.status, 200);
    assert.equal(sheet.headers.get("content-type"), "image/png");
    const pixels = await decodeImage(new Uint8Array(await sheet.arrayBuffer()));
    assert.ok((pixels.dims[1] as number) > 64, "a grid of the three previews");
    const result = await decodeImage(new Uint8Array(await (await fetch(`${demo().url}${done.urls.image}`)).arrayBuffer()));
    assert.deepEqual(result.dims, [48, 64, 3]);
    assert.equal(demo().judge.requests.filter((r) => r.path === "/v1/chat/completions").length, 2, "the judge was asked twice");
  });

  it("keeps plain edits plain, and the judge's settings on the server", async () => {
    const image = await png(64, 48);
    const plain = await submit(demo().url, image, { instruction: "make the sky green", width: 64, steps: 1 });
    const events = await followEvents(demo().url, plain.body.id);
    const done = events.at(-1)?.data as unknown as Job & { urls: { candidates: string | null } };
    assert.equal(done.urls.candidates, null);
    const none = await json<ErrorReply>(await fetch(`${demo().url}/v1/edits/${plain.body.id}/candidates`));
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, "no_candidates");
    const pointed = await submit(demo().url, image, { instruction: "x", steps: 4, candidates: 2, judge_model: "gpt-4o" });
    assert.equal(pointed.status, 400);
    assert.equal(pointed.body.error.code, "judge_is_server_side");
    const tooEarly = await submit(demo().url, image, { instruction: "x", steps: 4, candidates: 2, early_steps: 4 });
    assert.equal(tooEarly.status, 400);
    assert.match(tooEarly.body.error.message, /^early_steps: takes a whole number from 1 to 3/);
  });
});
