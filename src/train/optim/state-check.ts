/** Checks that a saved optimizer state fits the parameters it is loaded for, before anything is used. */
import { OptimizerStateError } from "./errors.js";
import type { Params } from "./tensors.js";

/** Throws unless `state.kind` is `kind`. */
export function checkKind(state: { readonly kind?: unknown }, kind: string): void {
  if (state.kind !== kind) {
    const what = `the saved optimizer state is for ${String(state.kind)}, not ${kind}`;
    throw new OptimizerStateError(`${what}: resume with the optimizer the checkpoint was trained with`);
  }
}

/** Every saved per-tensor entry names a parameter (an entry may be missing: torch creates state on the first step). */
export function checkStateNames(kind: string, params: Params, saved: Readonly<Record<string, unknown>>): void {
  for (const name of Object.keys(saved)) {
    if (!params.has(name)) {
      const what = `the saved ${kind} state has a tensor ${name} that is not a trainable parameter`;
      throw new OptimizerStateError(`${what}: resume with the adapter it was saved with`);
    }
  }
}

/** A saved buffer is a Float32Array of the expected length. */
export function checkBuffer(kind: string, name: string, field: string, buffer: unknown, length: number): Float32Array {
  if (!(buffer instanceof Float32Array) || buffer.length !== length) {
    const got = buffer instanceof Float32Array ? `${buffer.length} values` : typeof buffer;
    const what = `the saved ${kind} state of ${name} has ${field} with ${got}, expected a Float32Array of ${length}`;
    throw new OptimizerStateError(`${what}: the checkpoint does not fit this adapter`);
  }
  return buffer.slice();
}

/** A saved scalar is a number, not NaN (Infinity is allowed: Prodigy keeps d_max and similar fields unbounded). */
export function checkScalar(kind: string, field: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new OptimizerStateError(`the saved ${kind} state has ${field} = ${String(value)}, expected a number: the checkpoint is damaged`);
  }
  return value;
}
