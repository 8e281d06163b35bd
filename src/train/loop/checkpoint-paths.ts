/** Names in a training output folder: checkpoint-<step>/ with its three files, the log, the plot, the final adapter. */
import { join } from "node:path";

export const ADAPTER_FILE = "adapter.safetensors";
export const OPTIMIZER_FILE = "optimizer.safetensors";
export const STATE_FILE = "state.json";
export const LOG_FILE = "log.jsonl";
export const PLOT_FILE = "loss.png";
export const SAMPLES_DIR = "samples";

const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;
/** A checkpoint being written (or left by a killed run): .checkpoint-<step>.<pid>.<hex>.tmp */
const PARTIAL_DIR = /^\.checkpoint-\d+\.\d+\.[0-9a-f]+\.(tmp|old)$/;

export const checkpointName = (step: number): string => `checkpoint-${step}`;
export const checkpointPath = (out: string, step: number): string => join(out, checkpointName(step));

/** The step of a complete checkpoint folder's name, or null. */
export function checkpointStep(name: string): number | null {
  const m = CHECKPOINT_DIR.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether `name` is an incomplete checkpoint folder (safe to delete). */
export const isPartialCheckpoint = (name: string): boolean => PARTIAL_DIR.test(name);
