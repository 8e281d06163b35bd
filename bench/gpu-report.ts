/**
 * The GPU bench's results: every case's output compared with the CPU provider's f32 output of the
 * same model (and with the CPU output of the same case, which isolates what the provider itself
 * changes), and a short table for standard error.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { referenceCase, type GpuPlan } from "./gpu-plan.js";
import { outputError, type OutputError } from "./output-error.js";

export type CaseResult = Record<string, unknown>;

export type ProviderResult =
  | { readonly available: false; readonly installed: boolean; readonly why: string }
  | { readonly available: true; cases: Record<string, CaseResult> };

export function outputPath(dir: string, provider: string, id: string): string {
  return join(dir, "outputs", `${provider}.${id}.f32`);
}

async function readOutput(dir: string, provider: string, id: string): Promise<Float32Array | null> {
  try {
    const bytes = new Uint8Array(await readFile(outputPath(dir, provider, id)));
    return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  } catch {
    return null;
  }
}

function succeeded(r: CaseResult | undefined): boolean {
  return r !== undefined && typeof r["ms"] === "number";
}

/** Adds error_vs_cpu_f32 and error_vs_cpu_same to every case that produced an output. */
export async function addComparisons(plan: GpuPlan, dir: string, providers: Record<string, ProviderResult>): Promise<void> {
  const cpu = providers["cpu"];
  const cpuCases = cpu?.available ? cpu.cases : {};
  for (const [provider, result] of Object.entries(providers)) {
    if (!result.available) continue;
    for (const [id, r] of Object.entries(result.cases)) {
      const ref = referenceCase(plan, id);
      if (!ref || !succeeded(r)) continue;
      const out = await readOutput(dir, provider, id);
      if (!out) continue;
      const compare = async (refId: string): Promise<OutputError | string> => {
        if (!succeeded(cpuCases[refId])) return `no CPU result for ${refId}`;
        const reference = await readOutput(dir, "cpu", refId);
        return reference ? outputError(out, reference) : `no CPU output for ${refId}`;
      };
      if (provider !== "cpu" || id !== ref) r["error_vs_cpu_f32"] = await compare(ref);
      if (provider !== "cpu" && id !== ref) r["error_vs_cpu_same"] = await compare(id);
    }
  }
}

function cell(value: unknown, width: number): string {
  const text =
    typeof value === "number"
      ? Math.abs(value) < 0.01 && value !== 0
        ? value.toExponential(2)
        : String(value)
      : value === undefined
        ? "-"
        : String(value);
  return text.padStart(width);
}

function errorText(e: unknown): string {
  return typeof e === "object" && e !== null && "relative_rms" in e ? (e as OutputError).relative_rms.toExponential(2) : "-";
}

function caseLine(provider: string, id: string, r: CaseResult, cpuMs: unknown): string {
  const head = `  ${provider.padEnd(8)} ${id.padEnd(16)}`;
  const formats = r["formats"] as Record<string, { gflops_per_s: number }> | undefined;
  if (formats)
    return `${head} GFLOP/s: ${Object.entries(formats)
      .map(([f, t]) => `${f} ${t.gflops_per_s}`)
      .join(", ")}`;
  if (!succeeded(r))
    return `${head} ${String(r["error"] ?? r["skipped"] ?? "no result")
      .split("\n")[0]
      ?.slice(0, 160)}`;
  const ratio = typeof cpuMs === "number" && typeof r["ms"] === "number" ? (cpuMs / r["ms"]).toFixed(2) : "-";
  return `${head} ${cell(r["session_create_ms"], 9)} ${cell(r["first_run_ms"], 9)} ${cell(r["ms"], 8)} ${cell(ratio, 7)}  ${errorText(r["error_vs_cpu_f32"])}`;
}

export function gpuTable(providers: Record<string, ProviderResult>): string {
  const cpu = providers["cpu"];
  const lines = ["gpu bench: provider case             create ms  first ms       ms   x cpu  rel err vs cpu f32"];
  for (const [provider, result] of Object.entries(providers)) {
    if (!result.available) {
      lines.push(`  ${provider.padEnd(8)} not available: ${result.why.split("\n")[0]?.slice(0, 160)}`);
      continue;
    }
    for (const [id, r] of Object.entries(result.cases))
      lines.push(caseLine(provider, id, r, cpu?.available ? cpu.cases[id]?.["ms"] : undefined));
  }
  return `${lines.join("\n")}\n`;
}
