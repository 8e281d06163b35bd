import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFake } from "./run-fake.js";

const CHILD = fileURLToPath(new URL("./kill-child.js", import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("resume after kill -9", () => {
  it("a run SIGKILLed after checkpoint 2 resumes to the same adapter bytes as an uninterrupted run", async (t) => {
    const whole = await mkdtemp(join(tmpdir(), "icedit-kill-whole-"));
    const killed = await mkdtemp(join(tmpdir(), "icedit-kill-"));
    t.after(async () => {
      await rm(whole, { recursive: true, force: true });
      await rm(killed, { recursive: true, force: true });
    });
    const child = spawn(process.execPath, [CHILD, killed], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on("exit", (code, signal) => r(signal ?? code)));
    const deadline = Date.now() + 20_000;
    while (!(await readdir(killed)).includes("checkpoint-2")) {
      assert.ok(Date.now() < deadline, `the child wrote no checkpoint-2 in 20 s: ${stderr}`);
      await sleep(5);
    }
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL", `the child ended before the kill: ${stderr}`);
    const left = await readdir(killed);
    assert.ok(!left.includes("adapter.safetensors"), "the child finished before it was killed: nothing was interrupted");

    const resumed = await runFake(killed, { resume: true });
    assert.equal(resumed.step, 6);
    await runFake(whole);
    const a = await readFile(join(whole, "adapter.safetensors"));
    const b = await readFile(join(killed, "adapter.safetensors"));
    assert.ok(a.equals(b), "the adapter after kill + resume differs from the uninterrupted run's");
    const steps = (await readFile(join(killed, "log.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { step: number }).step);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6], "the log has each step once");
  });
});
