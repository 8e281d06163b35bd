/** Checks the tensor names and dims of a safetensors file against what a model declares. */
import assert from "node:assert/strict";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";

/** The safetensors file at `path` holds exactly the tensors `names`, each of `shapes` with its dims. */
export async function assertFileTensors(
  path: string,
  names: Iterable<string>,
  shapes: Iterable<readonly [string, readonly number[]]>,
): Promise<void> {
  const file = await openSafetensors(path);
  try {
    assert.deepEqual([...names].sort(), file.names().sort());
    for (const [name, dims] of shapes) assert.deepEqual(file.entry(name).dims, dims, name);
  } finally {
    await file.close();
  }
}
