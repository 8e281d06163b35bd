/**
 * `npm run bench -- profile [--blocks D+S] [--form int8-b128]`: ONNX Runtime's per-node profile of a
 * full-size step (2048 image + 512 text tokens) on D double + S single blocks, in the form
 * `--quant auto` picks on this machine (or --form), summed by op type, by op and module, and by
 * block: where the step's time goes besides the GEMMs.
 */
import type { Engine } from "../src/runtime/engine.js";
import { fastestForm } from "../src/api/auto-quant.js";
import { kernelTable } from "../src/components/kernels/kernel-table.js";
import { iceditCacheDir } from "../src/weights/hub/cache-dirs.js";
import { precisionName, precisionOf, type Precision, type PrecisionKind } from "../src/components/precision.js";
import { join } from "node:path";
import { FullSizeStep, nbitsOf, stepFlops } from "./fullsize-step.js";
import { lastRunNodeTimes, nodePlaces, sumBy, type Row } from "./profile-trace.js";
import { benchFlags, flagBlocks } from "./flags.js";

/** Ops that are matrix products (the GEMM share of the step). */
export const GEMM_OPS: ReadonlySet<string> = new Set(["MatMulNBits", "Gemm", "MatMul", "FusedGemm", "FusedMatMul"]);

/** "int8-b128", "int4-b32-acc1", "f32" -> a precision. */
export function parseForm(name: string): Precision {
  const m = /^(int8|int4|f32)(?:-b(\d+))?(?:-acc([14]))?$/.exec(name);
  if (!m) throw new Error(`--form ${name}: expected a kernel-table name such as int8-b128, int8-b32 or int4-b64-acc1`);
  return precisionOf(m[1] as PrecisionKind, m[2] ? Number(m[2]) : undefined, m[3] ? (Number(m[3]) as 1 | 4) : undefined);
}

/** The form `--quant auto` picks here (from the cached kernel table, measured now when there is none). */
export async function autoForm(engine: Engine): Promise<Precision> {
  return fastestForm(await kernelTable(engine, { dir: join(iceditCacheDir(), "kernels") })).precision;
}

const top = (rows: readonly Row[], n: number): Row[] => rows.slice(0, n);

export async function benchStepProfile(engine: Engine): Promise<Record<string, unknown>> {
  const blocks = flagBlocks({ double: 2, single: 2 });
  const named = benchFlags().values.get("form");
  const form = named ? parseForm(named) : await autoForm(engine);
  const say = (line: string): void => void process.stderr.write(`profile: ${line}\n`);
  say(`${precisionName(form)}, ${blocks.double}+${blocks.single} blocks`);
  const step = await FullSizeStep.open(engine, blocks, nbitsOf(form), { profileFilePrefix: "profile" });
  try {
    const warm = await step.run();
    const profiled = await step.run();
    const trace = await step.release();
    if (!trace) throw new Error("ONNX Runtime wrote no profile trace");
    const { runMs, nodes } = await lastRunNodeTimes(trace);
    const places = nodePlaces(step.written.graph);
    const place = (node: string) => places.get(node) ?? { module: "(fused)", block: "other" };
    const kernelMs = nodes.reduce((t, n) => t + n.ms, 0);
    const gemmMs = nodes.filter((n) => GEMM_OPS.has(n.op)).reduce((t, n) => t + n.ms, 0);
    const flops = stepFlops();
    const measuredFlops = flops.outside + blocks.double * flops.double + blocks.single * flops.single;
    const attentionFlops = (blocks.double + blocks.single) * flops.attentionPerBlock;
    const attentionMs = nodes.filter((n) => n.op === "MultiHeadAttention").reduce((t, n) => t + n.ms, 0);
    const byOp = sumBy(nodes, (n) => n.op);
    const byModule = sumBy(nodes, (n) => `${n.op} @ ${place(n.node).module}`);
    const byBlock = sumBy(nodes, (n) => place(n.node).block);
    for (const r of top(byModule, 25)) say(`${String(r.ms).padStart(9)} ms ${String(r.count).padStart(4)}x  ${r.key}`);
    return {
      form: precisionName(form),
      blocks,
      step_ms: [Math.round(warm.ms), Math.round(profiled.ms)],
      profiled_run_ms: Math.round(runMs),
      kernel_ms: Math.round(kernelMs),
      gemm_ms: Math.round(gemmMs),
      gemm_share: Math.round((gemmMs / kernelMs) * 1000) / 1000,
      step_gflops_per_s: Math.round(measuredFlops / 1e6 / runMs),
      gemm_gflops_per_s: Math.round((measuredFlops - attentionFlops) / 1e6 / gemmMs),
      attention_ms: Math.round(attentionMs),
      attention_gflops_per_s: Math.round(attentionFlops / 1e6 / attentionMs),
      by_op: byOp,
      by_op_and_module: top(byModule, 40),
      by_block: byBlock,
      top_nodes: top(
        [...nodes]
          .sort((a, b) => b.ms - a.ms)
          .map((n) => ({ key: `${n.node} (${n.op} @ ${place(n.node).module})`, ms: Math.round(n.ms), count: 1, share: 0 })),
        15,
      ),
    };
  } finally {
    await step.dispose();
  }
}
