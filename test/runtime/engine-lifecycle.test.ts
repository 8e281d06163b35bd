/**
 * An engine never keeps a process alive when it is idle, and a long command line does not crash
 * session creation. Each case runs in a child process, since what is checked is how the process
 * ends (a hang is caught by the spawn's time limit, a crash by its exit signal).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const engineModule = fileURLToPath(new URL("../../src/runtime/engine.js", import.meta.url));
const graphModule = fileURLToPath(new URL("../../src/onnx/graph.js", import.meta.url));
const opsModule = fileURLToPath(new URL("../../src/onnx/ops/index.js", import.meta.url));

/** Runs an ES module script in a fresh node; `args` become its process.argv tail. */
function runScript(source: string, args: string[] = []): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", source, ...args], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

const loadAndRun = `
  import { Engine } from ${JSON.stringify(engineModule)};
  import { Graph } from ${JSON.stringify(graphModule)};
  import { silu } from ${JSON.stringify(opsModule)};
  const graph = new Graph("tiny");
  graph.addOutput(silu(graph.addInput("x", "f32", [2])), "y");
  const engine = new Engine();
  const session = await engine.load(graph);
  const { outputs } = await session.run({ x: { dtype: "f32", dims: [2], data: new Float32Array([0, 1]) } });
  console.log(Array.from(outputs.y.data).map((v) => v.toFixed(4)).join(","));
`;

describe("engine lifecycle", () => {
  it("an engine that is made and never used lets the process exit", () => {
    const run = runScript(`import { Engine } from ${JSON.stringify(engineModule)}; new Engine(); console.log("made");`);
    assert.equal(run.signal, null, "the process had to be killed: the idle engine kept it alive");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "made");
  });

  it("an engine left open after a run lets the process exit", () => {
    const run = runScript(loadAndRun);
    assert.equal(run.signal, null, "the process had to be killed: the idle engine kept it alive");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "0.0000,0.7311");
  });

  it("creates and runs a session with a 100,000-character argument on the command line", () => {
    const run = runScript(loadAndRun, ["x".repeat(100_000)]);
    assert.equal(run.signal, null, `the process died by ${run.signal}`);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "0.0000,0.7311");
  });

  it("an engine that failed part-way (worker error) lets the process exit", () => {
    const run = runScript(`
      import { Engine } from ${JSON.stringify(engineModule)};
      const engine = new Engine();
      try { await engine.request({ kind: "run", session: 12345, feeds: {}, outputs: [] }); } catch {}
      console.log("done");
    `);
    assert.equal(run.signal, null, "the process had to be killed: the engine kept it alive");
    assert.equal(run.status, 0, run.stderr);
  });
});
