/**
 * What a kernel table is measured for: the CPU (model, logical cores and the instruction-set
 * extensions MatMulNBits' int8 paths use: AVX2, AVX-512, VNNI, AMX), the thread count the
 * sessions run with, the architecture and ONNX Runtime's version. Two machines that agree on all
 * of it share a table; anything else is measured again.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { arch, cpus } from "node:os";
import { ONNXRUNTIME_VERSION } from "../../runtime/version.js";

/** The flags of /proc/cpuinfo that change which GEMM kernels ONNX Runtime's MLAS can run. */
export const KERNEL_CPU_FLAGS = [
  "avx2",
  "fma",
  "avx512f",
  "avx512bw",
  "avx512_vnni",
  "avx_vnni",
  "amx_tile",
  "amx_int8",
  "amx_bf16",
] as const;

export interface MachineInfo {
  readonly cpu: string;
  readonly logicalCores: number;
  /** intra-op threads the sessions run with (0: ONNX Runtime's default, one per core). */
  readonly threads: number;
  readonly arch: string;
  /** Those of KERNEL_CPU_FLAGS the CPU reports (empty where /proc/cpuinfo is not readable). */
  readonly flags: readonly string[];
  readonly onnxruntime: string;
}

function cpuFlags(): string[] {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const line = info.split("\n").find((l) => l.startsWith("flags"));
    const present = new Set((line?.split(":")[1] ?? "").trim().split(/\s+/));
    return KERNEL_CPU_FLAGS.filter((f) => present.has(f));
  } catch {
    return [];
  }
}

export function machineInfo(threads: number): MachineInfo {
  const all = cpus();
  return {
    cpu: all[0]?.model.trim() ?? "unknown",
    logicalCores: all.length,
    threads,
    arch: arch(),
    flags: cpuFlags(),
    onnxruntime: ONNXRUNTIME_VERSION,
  };
}

/** A short stable key of a machine: the file name of its kernel table. */
export function machineKey(machine: MachineInfo): string {
  return createHash("sha256").update(JSON.stringify(machine)).digest("hex").slice(0, 16);
}
