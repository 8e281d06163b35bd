/**
 * Writes a checkpoint so that checkpoint-<step>/ either does not exist or is complete: the files
 * go to a hidden temporary folder (each written and fsynced by the project's atomic writers), the
 * folder is fsynced and renamed into place, then the output folder is fsynced. Older checkpoints
 * are deleted only after the new one is in place.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { syncDirectory, writeFileAtomic } from "../../image/atomic-write.js";
import type { Tensor } from "../../tensor.js";
import { writeSafetensors } from "../../weights/safetensors/writer.js";
import type { FlatOptimizerState } from "../optim/index.js";
import {
  ADAPTER_FILE,
  checkpointName,
  checkpointPath,
  checkpointStep,
  isPartialCheckpoint,
  OPTIMIZER_FILE,
  STATE_FILE,
} from "./checkpoint-paths.js";
import type { CheckpointState } from "./checkpoint-state.js";
import { CheckpointError } from "./errors.js";

export interface CheckpointContents {
  /** In the adapter file's key layout and order. */
  readonly params: ReadonlyMap<string, Tensor<"f32">>;
  readonly adapterMetadata: Readonly<Record<string, string>>;
  readonly optimizer: FlatOptimizerState;
  readonly state: CheckpointState;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const hiddenName = (step: number, kind: "tmp" | "old"): string =>
  `.${checkpointName(step)}.${process.pid}.${randomBytes(6).toString("hex")}.${kind}`;

/** Writes checkpoint-<state.step>/ in `out` (replacing one of the same step); returns its path. */
export async function writeCheckpoint(out: string, c: CheckpointContents): Promise<string> {
  const step = c.state.step;
  const final = checkpointPath(out, step);
  const temp = join(out, hiddenName(step, "tmp"));
  try {
    await mkdir(temp);
    await writeSafetensors(join(temp, ADAPTER_FILE), c.params, { ...c.adapterMetadata });
    await writeSafetensors(join(temp, OPTIMIZER_FILE), c.optimizer.tensors, c.optimizer.metadata);
    await writeFileAtomic(join(temp, STATE_FILE), new TextEncoder().encode(`${JSON.stringify(c.state)}\n`));
    await syncDirectory(temp);
    const old = join(out, hiddenName(step, "old"));
    const replaced = await rename(final, old).then(
      () => true,
      () => false,
    );
    await rename(temp, final);
    await syncDirectory(out);
    if (replaced) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw new CheckpointError(`cannot write checkpoint ${step} in ${out}: ${message(error)}`, { cause: error });
  }
  return final;
}

/** The steps of the complete checkpoints in `out`, ascending. */
export async function checkpointSteps(out: string): Promise<number[]> {
  const names = await readdir(out).catch(() => [] as string[]);
  return names
    .map(checkpointStep)
    .filter((s): s is number => s !== null)
    .sort((a, b) => a - b);
}

/** Deletes all but the newest `keep` checkpoints. */
export async function pruneCheckpoints(out: string, keep: number): Promise<void> {
  const steps = await checkpointSteps(out);
  for (const step of steps.slice(0, Math.max(0, steps.length - keep))) {
    await rm(checkpointPath(out, step), { recursive: true, force: true });
  }
}

/** Deletes checkpoint folders a killed run left half-written. */
export async function removePartialCheckpoints(out: string): Promise<void> {
  const names = await readdir(out).catch(() => [] as string[]);
  for (const name of names.filter(isPartialCheckpoint)) await rm(join(out, name), { recursive: true, force: true });
}
