/**
 * GPU bench: `npm run bench:gpu [-- options]` (or `node dist/bench/gpu.js [options]` after a build).
 * For each execution provider in cuda, webgpu, cpu: the mid-size transformer forward (hidden 1536,
 * 4 + 8 blocks, 1024 + 128 tokens) with f32, int8 and int4 (MatMulNBits) weights; one full-size
 * FLUX block pair (hidden 3072, 24 heads, one double + one single block, 2048 + 512 tokens) with
 * f32 and int8 weights; the FLUX VAE decode of a 512x1024 image; and the raw GEMM throughput of the
 * block's dominant shape. Random weights. Each output is compared with the CPU f32 output.
 * Prints one JSON object on stdout (and writes it to $OUT/gpu-bench.json when $OUT is set), a
 * short table on stderr. Sized for under 10 minutes on a 16-core machine with an H100/H200 (an
 * estimate, not yet measured there; the budget enforces it).
 *
 * Options: --quick (toy sizes: seconds, for checking the script on any machine), --providers
 * cuda,webgpu,cpu, --block 32 (MatMulNBits block size), --budget-s 540 (wall time from the start,
 * preparing the models included, after which no case is started and running cases are cut off),
 * --keep (keep the prepared models in the temp folder).
 *
 * Running it on a GPU machine without internet access (a lent device machine):
 * - The CUDA provider is not in the npm package: on a connected machine, in this checkout, run
 *   `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (the environment variable overrides .npmrc's skip), so
 *   node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ gains libonnxruntime_providers_cuda.so, and
 *   bring node_modules along. The GPU machine needs an NVIDIA driver, CUDA 12 and cuDNN 9 libraries.
 * - WebGPU ships with onnxruntime-node (Dawn); on Linux it needs Vulkan (libvulkan.so.1 and the
 *   NVIDIA Vulkan driver), otherwise it is recorded as unavailable with Dawn's reason.
 * - Build first (`npx tsc -p tsconfig.json`, or bring dist/ along), then `node dist/bench/gpu.js`.
 *   At run time only onnxruntime-node is needed from node_modules. The cuda provider is recorded
 *   as unavailable, with the reason, when its library is missing.
 *
 * Every case runs in its own child process under its own time limit, so a provider that hangs or
 * crashes loses only that case; the models are written once to the temp folder (about 7 GB at full
 * size) and memory-mapped by each child. The CPU f32 cases run first: they are the references.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Engine } from "../src/runtime/engine.js";
import type { ExecutionProvider } from "../src/runtime/protocol.js";
import { runChild } from "./child-process.js";
import type { ChildSpec } from "./gpu-child.js";
import { gpuPlan, referenceCase, type GpuPlan } from "./gpu-plan.js";
import { prepareFlux, prepareVaeDecoder } from "./gpu-prepare.js";
import { addComparisons, gpuTable, outputPath, type CaseResult, type ProviderResult } from "./gpu-report.js";
import { probeProvider } from "./probe.js";
import { machineBasics } from "./stats.js";

const PROVIDERS: readonly ExecutionProvider[] = ["cuda", "webgpu", "cpu"];
const PROBE_LIMIT_MS = 90_000;
/** A case is not started with less time than this left. */
const MIN_CASE_MS = 15_000;
const CHILD = fileURLToPath(new URL("./gpu-child.js", import.meta.url));

function options(): { quick: boolean; providers: ExecutionProvider[]; blockSize: number; budgetMs: number; keep: boolean } {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      providers: { type: "string", default: PROVIDERS.join(",") },
      block: { type: "string", default: "32" },
      "budget-s": { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const providers = (values.providers ?? "").split(",").filter((p) => p !== "");
  const unknown = providers.filter((p) => !(PROVIDERS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`unknown execution provider ${unknown.join(", ")}: use some of ${PROVIDERS.join(", ")}`);
  const quick = values.quick ?? false;
  return {
    quick,
    providers: providers as ExecutionProvider[],
    blockSize: Number(values.block),
    budgetMs: 1000 * Number(values["budget-s"] ?? (quick ? 300 : 540)),
    keep: values.keep ?? false,
  };
}

function gpuInfo(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      "nvidia-smi",
      ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
      { timeout: 10_000 },
      (error, stdout) => resolve(error ? null : stdout.trim()),
    );
  });
}

async function ortVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
  const pkg = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** Which providers can run here: installed (Engine.availableProviders) and able to run a probe graph (in a child). */
async function providerStatus(
  dir: string,
  plan: GpuPlan,
  providers: readonly ExecutionProvider[],
): Promise<Record<string, ProviderResult>> {
  const engine = new Engine();
  const installed = await engine.availableProviders();
  const status: Record<string, ProviderResult> = {};
  try {
    for (const provider of providers) {
      if (!installed.includes(provider)) {
        const why = await probeProvider(engine, { executionProvider: provider }).then(
          () => "not listed by this onnxruntime-node install",
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        status[provider] = { available: false, installed: false, why };
        continue;
      }
      const probe = await runCase(dir, plan, provider, "probe", PROBE_LIMIT_MS);
      status[provider] =
        probe["ok"] === true ? { available: true, cases: {} } : { available: false, installed: true, why: String(probe["error"]) };
    }
  } finally {
    await engine.close();
  }
  return status;
}

async function runCase(dir: string, plan: GpuPlan, provider: ExecutionProvider, id: string, limitMs: number): Promise<CaseResult> {
  const resultPath = join(dir, "results", `${provider}.${id}.json`);
  const spec: ChildSpec = { provider, caseId: id, plan: plan.options, dir, resultPath, outputPath: outputPath(dir, provider, id) };
  const outcome = await runChild(CHILD, [JSON.stringify(spec)], resultPath, limitMs);
  const wall = { wall_ms: Math.round(outcome.wallMs) };
  return outcome.result ? { ...outcome.result, ...wall } : { error: outcome.error, timed_out: outcome.timedOut, ...wall };
}

/** Writes every model once; a model that fails to write is recorded, and its cases then fail on their own. */
async function prepare(dir: string, plan: GpuPlan): Promise<Record<string, unknown>> {
  const start = performance.now();
  const weights: Record<string, number> = {};
  const errors: string[] = [];
  const attempt = async (what: string, write: () => Promise<void>): Promise<void> => {
    try {
      await write();
    } catch (error) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for (const model of plan.models) {
    await attempt(model.id, async () => {
      Object.assign(weights, await prepareFlux(dir, model));
    });
  }
  await attempt("vae-decode", async () => {
    weights["vae-decode"] = await prepareVaeDecoder(dir, plan.vae);
  });
  const weight_mib = Object.fromEntries(Object.entries(weights).map(([id, b]) => [id, Math.round(b / 2 ** 20)]));
  return { ms: Math.round(performance.now() - start), weight_mib, ...(errors.length > 0 ? { errors } : {}) };
}

function summary(r: CaseResult): string {
  if (typeof r["ms"] === "number") return `${r["ms"]} ms`;
  if (r["formats"]) return "done";
  return r["skipped"] ? "skipped" : r["timed_out"] ? "timed out" : "failed";
}

/**
 * The CPU f32 references first (every other output is compared with them), then each provider in
 * order, each within an equal share of the budget left, so a provider that is slow or hangs case
 * after case cannot starve the ones after it.
 */
async function runAll(
  dir: string,
  plan: GpuPlan,
  providers: Record<string, ProviderResult>,
  order: readonly ExecutionProvider[],
  deadline: number,
): Promise<void> {
  const cpu = providers["cpu"];
  const references = cpu?.available ? plan.cases.filter((c) => referenceCase(plan, c.id) === c.id).map((c) => c.id) : [];
  const runUntil = async (provider: ExecutionProvider, ids: readonly string[], until: number, why: string): Promise<void> => {
    const status = providers[provider];
    if (!status?.available) return;
    for (const id of ids) {
      const left = until - performance.now();
      const limitS = plan.cases.find((c) => c.id === id)?.limitS ?? 60;
      status.cases[id] = left < MIN_CASE_MS ? { skipped: why } : await runCase(dir, plan, provider, id, Math.min(1000 * limitS, left));
      process.stderr.write(`gpu bench: ${provider} ${id}: ${summary(status.cases[id] ?? {})}\n`);
    }
  };
  await runUntil("cpu", references, deadline, "the time budget was spent");
  const usable = order.filter((p) => providers[p]?.available);
  for (const [i, provider] of usable.entries()) {
    const share = (deadline - performance.now()) / (usable.length - i);
    const status = providers[provider];
    const ids = plan.cases.map((c) => c.id).filter((id) => status?.available && !(id in status.cases));
    await runUntil(
      provider,
      ids,
      performance.now() + share,
      `${provider}'s share of the time budget (${Math.round(share / 1000)} s) was spent`,
    );
  }
}

async function main(): Promise<void> {
  const start = performance.now();
  const opts = options();
  const deadline = start + opts.budgetMs;
  const plan = gpuPlan({ quick: opts.quick, blockSize: opts.blockSize });
  const dir = await mkdtemp(join(tmpdir(), "icedit-gpu-bench-"));
  await mkdir(join(dir, "results"), { recursive: true });
  await mkdir(join(dir, "outputs"), { recursive: true });
  const result: Record<string, unknown> = {
    machine: {
      ...machineBasics(),
      onnxruntime_node: await ortVersion(),
      gpu: await gpuInfo(),
    },
    mode: opts.quick ? "quick" : "full",
    settings: { runs: plan.runs, block_size: opts.blockSize, accuracy_level: 4, budget_s: opts.budgetMs / 1000 },
    plan: {
      gemm: plan.gemm.shape,
      models: plan.models.map((m) => ({ id: m.id, ...m.params, ...m.layout, formats: m.formats.map((f) => f.name) })),
      vae: { ...plan.vae.params, height: plan.vae.height, width: plan.vae.width },
    },
  };
  try {
    const providers = await providerStatus(dir, plan, opts.providers);
    result["prepare"] = await prepare(dir, plan);
    await runAll(dir, plan, providers, opts.providers, deadline);
    await addComparisons(plan, dir, providers);
    // Cases in plan order (the CPU references ran first).
    for (const status of Object.values(providers)) {
      if (status.available)
        status.cases = Object.fromEntries(
          plan.cases.filter((c) => c.id in status.cases).map((c) => [c.id, status.cases[c.id] as CaseResult]),
        );
    }
    result["providers"] = providers;
    process.stderr.write(gpuTable(providers));
  } catch (error) {
    result["error"] = error instanceof Error ? error.message : String(error);
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
    else result["kept"] = dir;
  }
  result["total_ms"] = Math.round(performance.now() - start);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(json);
  const out = process.env["OUT"];
  if (out) await writeFile(join(out, "gpu-bench.json"), json);
}

await main();
