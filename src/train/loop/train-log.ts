/**
 * log.jsonl: one JSON line per optimizer step, appended and fsynced before the next step starts.
 * A resumed run first cuts the log back to its checkpoint's step (a killed run may have logged
 * steps after its last checkpoint), so the log always describes the steps the adapter went through.
 */
import { open, readFile, type FileHandle } from "node:fs/promises";
import { writeFileAtomic } from "../../image/atomic-write.js";

export interface LogEntry {
  readonly step: number;
  /** The epoch (0-based) of the step's last example. */
  readonly epoch: number;
  /** Mean loss over the step's micro-batches. */
  readonly loss: number;
  /** Moving average of the loss. */
  readonly loss_avg: number;
  /** Total gradient norm before clipping. */
  readonly grad_norm: number;
  readonly lr: number;
  /** Prodigy's d after the step (null for AdamW). */
  readonly d: number | null;
  /** The step's t values, micro-batch by micro-batch. */
  readonly t: readonly number[];
  /** Seconds the step took. */
  readonly seconds: number;
  /** When it finished (ISO 8601). */
  readonly time: string;
}

const stepOf = (line: string): number | null => {
  try {
    const value: unknown = JSON.parse(line);
    const step = typeof value === "object" && value !== null ? (value as { step?: unknown }).step : undefined;
    return typeof step === "number" ? step : null;
  } catch {
    return null; // a line cut short by a kill
  }
};

export class TrainLog {
  private constructor(private readonly handle: FileHandle) {}

  /** Opens `path` for appending after keeping only the entries of steps 1..`upToStep` (0: a new log). */
  static async open(path: string, upToStep: number): Promise<TrainLog> {
    const old = upToStep === 0 ? "" : await readFile(path, "utf8").catch(() => "");
    const kept = old.split("\n").filter((line) => {
      const step = stepOf(line);
      return step !== null && step <= upToStep;
    });
    await writeFileAtomic(path, new TextEncoder().encode(kept.map((l) => `${l}\n`).join("")));
    return new TrainLog(await open(path, "a"));
  }

  async append(entry: LogEntry): Promise<void> {
    await this.handle.write(`${JSON.stringify(entry)}\n`);
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
