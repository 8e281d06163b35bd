/**
 * This machine's kernel table: the achieved rate and error of one FLUX-like matrix product in every
 * weight form icedit can run (float32, and MatMulNBits int8 / int4 at blocks 32, 64 and 128 with
 * int8 activations (accuracy level 4) or float ones (level 1)). Measured once per machine (see
 * machine.ts) in about half a minute and kept as JSON in the cache; `--quant auto` reads it to pick
 * the fastest form whose error is acceptable (api/auto-quant.ts).
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import { writeFileAtomic } from "../../image/atomic-write.js";
import { ACCURACY_LEVELS, F32, precisionName, precisionOf, type Precision, type QuantizedKind } from "../precision.js";
import { gemmRates, type GemmRate, type GemmShape } from "./gemm-rate.js";
import { machineInfo, machineKey, type MachineInfo } from "./machine.js";

export const KERNEL_BLOCK_SIZES = [32, 64, 128] as const;

/** Every form the table measures, float32 first (the reference of the errors). */
export const KERNEL_FORMS: readonly Precision[] = [
  F32,
  ...(["int8", "int4"] as const satisfies readonly QuantizedKind[]).flatMap((kind) =>
    KERNEL_BLOCK_SIZES.flatMap((block) => ACCURACY_LEVELS.map((level) => precisionOf(kind, block, level))),
  ),
];

/**
 * The product measured: FLUX.1's hidden size as K (3072) and a quarter of a single block's linear1
 * as N, over 512 tokens: large enough for the kernels' steady rate, small enough to measure every
 * form in seconds.
 */
export const KERNEL_PROBE_SHAPE: GemmShape = { m: 512, k: 3072, n: 6144 };

export const KERNEL_TABLE_RUNS = 3;

/** Bump when what is measured changes: older tables are then measured again. */
const TABLE_VERSION = 1;

export interface KernelTable {
  readonly version: number;
  readonly machine: MachineInfo;
  readonly shape: GemmShape;
  readonly runs: number;
  readonly measuredAt: string;
  /** Keyed by precisionName: "f32", "int8-b32", "int8-b32-acc1", ... */
  readonly rates: Readonly<Record<string, GemmRate>>;
}

export interface KernelTableOptions {
  /** Where tables are kept (one JSON file per machine); null: measured every time, kept nowhere. */
  readonly dir: string | null;
  /** The product measured (default KERNEL_PROBE_SHAPE; tests use tiny ones). */
  readonly shape?: GemmShape;
  readonly settings?: Partial<SessionSettings>;
  /** Called before a measurement (not when the table is read from the cache). */
  readonly onMeasure?: (machine: MachineInfo) => void;
}

export interface KernelTableResult {
  readonly table: KernelTable;
  /** The file it was read from or written to (null without a dir). */
  readonly file: string | null;
  /** true: read from the cache; false: measured now. */
  readonly cached: boolean;
}

function isTable(value: unknown, machine: MachineInfo, shape: GemmShape): value is KernelTable {
  if (typeof value !== "object" || value === null) return false;
  const table = value as Partial<KernelTable>;
  return (
    table.version === TABLE_VERSION &&
    JSON.stringify(table.machine) === JSON.stringify(machine) &&
    JSON.stringify(table.shape) === JSON.stringify(shape) &&
    typeof table.rates === "object" &&
    table.rates !== null &&
    KERNEL_FORMS.every((form) => typeof table.rates?.[precisionName(form)]?.gflopsPerS === "number")
  );
}

async function readTable(file: string, machine: MachineInfo, shape: GemmShape): Promise<KernelTable | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    // A table of another version or machine, or a damaged file, is measured again (and replaced).
    return isTable(parsed, machine, shape) ? parsed : null;
  } catch {
    return null;
  }
}

/** Measures every form of KERNEL_FORMS now. */
export async function measureKernelTable(
  engine: Engine,
  settings: Partial<SessionSettings> = {},
  shape: GemmShape = KERNEL_PROBE_SHAPE,
): Promise<KernelTable> {
  const machine = machineInfo(settings.intraOpThreads ?? 0);
  const rates = await gemmRates(engine, shape, KERNEL_FORMS, { runs: KERNEL_TABLE_RUNS, settings });
  return {
    version: TABLE_VERSION,
    machine,
    shape,
    runs: KERNEL_TABLE_RUNS,
    measuredAt: new Date().toISOString(),
    rates,
  };
}

/** This machine's table: from `dir` when it was measured before, else measured now and kept there. */
export async function kernelTable(engine: Engine, options: KernelTableOptions): Promise<KernelTableResult> {
  const machine = machineInfo(options.settings?.intraOpThreads ?? 0);
  const shape = options.shape ?? KERNEL_PROBE_SHAPE;
  const file = options.dir === null ? null : join(options.dir, `${machineKey(machine)}.json`);
  const known = file ? await readTable(file, machine, shape) : null;
  if (known) return { table: known, file, cached: true };
  options.onMeasure?.(machine);
  const table = await measureKernelTable(engine, options.settings, shape);
  if (options.dir && file) await mkdir(options.dir, { recursive: true });
  if (file) await writeFileAtomic(file, new TextEncoder().encode(`${JSON.stringify(table, null, 2)}\n`));
  return { table, file, cached: false };
}
