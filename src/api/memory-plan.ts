/**
 * The memory plan of an IceditSession. The budget is maxMemory (default: the memory this process
 * may use). If every component's estimate (weights + activations, components/
 * memory-estimates.ts) fits at once, the plan is "resident": all are loaded at open and stay, as
 * a server wants. Otherwise it is "sequential": each component is loaded when it first runs and
 * the least recently used idle ones are evicted to keep the pool under the budget (text encoders,
 * then the transformer, then the VAE take turns). Per edit the estimates follow its size, and the
 * record says what was loaded or evicted and the peak memory of each stage.
 */
import { InvalidArgumentError } from "../errors.js";
import { machineMemoryBytes } from "../runtime/machine-memory.js";
import { MEMORY_SIZE_FORMS } from "../runtime/memory-size.js";
import { startPeakMeter } from "../runtime/peak-rss.js";
import type { PoolEvent } from "../runtime/session-pool.js";
import type { IceditModels } from "../components/icedit-models.js";
import {
  activationBytes,
  componentEstimates,
  DEFAULT_WORK,
  fluxStageBytes,
  MODEL_COMPONENTS,
  stageEntryName,
  totalBytes,
  type ComponentBytes,
  type WorkSize,
} from "../components/memory-estimates.js";
import { StageMemoryRecorder, type StageMemory } from "./stage-memory.js";

export type MemoryPlanKind = "resident" | "sequential";

export interface MemoryRecord {
  readonly plan: MemoryPlanKind;
  readonly budgetBytes: number;
  /** Each component's estimated cost at this edit's size, in bytes. */
  readonly estimates: ComponentBytes;
  readonly stages: readonly StageMemory[];
  /** Loads, evictions and releases during this edit (with a resident plan, usually none). */
  readonly loads: readonly PoolEvent[];
}

/** The budget in bytes: a positive number as given, or the machine's (cgroup-limited) memory for "auto". */
export function resolveBudget(maxMemory: number | "auto" | undefined): number {
  if (maxMemory === undefined || maxMemory === "auto") return machineMemoryBytes();
  if (typeof maxMemory !== "number" || !Number.isFinite(maxMemory) || maxMemory <= 0) {
    throw new InvalidArgumentError(
      `maxMemory takes a positive number of bytes or "auto", got ${JSON.stringify(maxMemory)} (the CLI's --max-memory takes ${MEMORY_SIZE_FORMS})`,
    );
  }
  return Math.floor(maxMemory);
}

export function choosePlan(estimates: ComponentBytes, budgetBytes: number): MemoryPlanKind {
  return totalBytes(estimates) <= budgetBytes ? "resident" : "sequential";
}

interface StageReport {
  readonly stage: string;
  readonly step: number;
}

/** The memory side of one edit: the stage meter and the pool events since it began. */
export interface EditMemory {
  /** The edit's onProgress, marking the stages first. */
  watch<P extends StageReport>(onProgress?: (progress: P) => void): (progress: P) => void;
  /** Ends the measurement (once; later calls return the same record). */
  finish(): MemoryRecord;
}

export class SessionMemory {
  private constructor(
    private readonly models: IceditModels,
    readonly plan: MemoryPlanKind,
  ) {}

  /** Gives the pool the estimates at the default size, chooses the plan, and loads everything if resident. */
  static async start(models: IceditModels): Promise<SessionMemory> {
    const estimates = estimatesFor(models, DEFAULT_WORK);
    setCosts(models, estimates, DEFAULT_WORK);
    const plan = choosePlan(estimates, models.pool.budgetBytes);
    if (plan === "resident") await models.pool.preload(MODEL_COMPONENTS);
    return new SessionMemory(models, plan);
  }

  get budgetBytes(): number {
    return this.models.pool.budgetBytes;
  }

  /** Sets the pool's costs for an edit of `work` and starts measuring its stages. */
  beginEdit(work: WorkSize): EditMemory {
    const pool = this.models.pool;
    const estimates = estimatesFor(this.models, work);
    setCosts(this.models, estimates, work);
    const loads: PoolEvent[] = [];
    const unwatch = pool.watch((event) => loads.push(event));
    const stages = new StageMemoryRecorder(startPeakMeter());
    let record: MemoryRecord | null = null;
    return {
      watch: (onProgress) => (progress) => {
        stages.report(progress.stage, progress.step);
        onProgress?.(progress);
      },
      finish: () => {
        if (!record) {
          unwatch();
          record = { plan: this.plan, budgetBytes: this.budgetBytes, estimates, stages: stages.finish(), loads };
        }
        return record;
      },
    };
  }
}

function estimatesFor(models: IceditModels, work: WorkSize): ComponentBytes {
  return componentEstimates(models.weightBytes, activationBytes(models.sizes, work));
}

/** The components' costs, and those of the transformer's stages (step caching's graphs, loaded only by an edit that caches). */
function setCosts(models: IceditModels, estimates: ComponentBytes, work: WorkSize): void {
  for (const c of MODEL_COMPONENTS) models.pool.setBytes(c, estimates[c]);
  const stages = fluxStageBytes(models.sizes, { precision: models.precision, adapterBytes: models.transformer.branchBytes }, work);
  for (const [stage, bytes] of Object.entries(stages)) models.pool.setBytes(stageEntryName(stage as keyof typeof stages), bytes);
}
