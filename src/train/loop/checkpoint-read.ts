/**
 * Reads checkpoints back: the newest complete one of an output folder (an older one when the
 * newest cannot be read), its state, its adapter tensors (float32, exact bits) and its optimizer
 * state.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import { type OptimizerState, unflattenOptimizerState } from "../optim/index.js";
import { ADAPTER_FILE, checkpointPath, OPTIMIZER_FILE, STATE_FILE } from "./checkpoint-paths.js";
import { type CheckpointState, parseCheckpointState } from "./checkpoint-state.js";
import { checkpointSteps } from "./checkpoint-write.js";
import { CheckpointError } from "./errors.js";

export interface LoadedCheckpoint {
  readonly path: string;
  readonly state: CheckpointState;
  /** Adapter tensors in the file's order. */
  readonly params: Map<string, Tensor<"f32">>;
  readonly optimizer: OptimizerState;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** state.json of the checkpoint at `path`. */
export async function readCheckpointState(path: string): Promise<CheckpointState> {
  const file = join(path, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CheckpointError(`cannot read ${file}: ${message(error)}`, { cause: error });
  }
  return parseCheckpointState(text, file);
}

async function readAll(file: string): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  const source = await openSafetensors(file);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of source.names()) tensors.set(name, await source.read(name));
    return { tensors, metadata: source.metadata() };
  } finally {
    await source.close();
  }
}

/** Everything of the checkpoint at `path`; the adapter must be float32 and match the state's shapes. */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const state = await readCheckpointState(path);
  const adapter = await readAll(join(path, ADAPTER_FILE));
  const params = new Map<string, Tensor<"f32">>();
  for (const [name, t] of adapter.tensors) {
    const dims = state.adapter[name];
    if (t.dtype !== "f32" || !dims || dims.length !== t.dims.length || dims.some((d, i) => d !== t.dims[i])) {
      throw new CheckpointError(`${join(path, ADAPTER_FILE)}: tensor ${name} does not match ${STATE_FILE}: the checkpoint is damaged`);
    }
    params.set(name, t as Tensor<"f32">);
  }
  if (params.size !== Object.keys(state.adapter).length) {
    throw new CheckpointError(`${join(path, ADAPTER_FILE)} lacks tensors that ${STATE_FILE} lists: the checkpoint is damaged`);
  }
  const opt = await readAll(join(path, OPTIMIZER_FILE));
  return { path, state, params, optimizer: unflattenOptimizerState(opt.tensors, opt.metadata) };
}

/**
 * The newest checkpoint of `out` that loads; a damaged newer one is reported through `onSkip`
 * and passed over. Throws CheckpointError when there is none.
 */
export async function loadLatestCheckpoint(out: string, onSkip: (message: string) => void = () => undefined): Promise<LoadedCheckpoint> {
  const steps = await checkpointSteps(out);
  for (const step of steps.reverse()) {
    try {
      return await loadCheckpoint(checkpointPath(out, step));
    } catch (error) {
      onSkip(`skipping checkpoint ${step}: ${message(error)}`);
    }
  }
  throw new CheckpointError(`no complete checkpoint in ${out}: resume from the --out folder of an earlier run that saved one`);
}
