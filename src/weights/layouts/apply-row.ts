/**
 * Applies one expanded row of the FLUX key table in either direction, checking shapes against
 * the checkpoint's sizes. Native dtypes are kept (row copies are exact); only stacking parts of
 * different dtypes goes through float32.
 */
import type { Tensor } from "../../tensor.js";
import { ShapeMismatchError } from "../errors.js";
import { toF32 } from "../to-f32.js";
import type { FluxSizes } from "./flux-sizes.js";
import type { Transform } from "./flux-table.js";
import type { TableRow } from "./key-mapper.js";
import { concatRows, sliceRows, swapHalves } from "./row-ops.js";

export type FluxRow = TableRow<Transform>;

const SIZE_SOURCES = "D from img_in/x_embedder rows, mlp from the MLP input rows";

function checkSwappable(name: string, dims: readonly number[], file: string): void {
  const rows = dims[0];
  if (rows === undefined || rows % 2 !== 0) {
    throw new ShapeMismatchError(name, file, ["2*n", ...dims.slice(1)], dims, "its rows must split into a shift half and a scale half");
  }
}

/** Dims of the BFL tensor made from diffusers parts with these dims (checked). */
export function bflDims(row: FluxRow, parts: readonly (readonly number[])[], sizes: FluxSizes, file: string): number[] {
  const first = parts[0] ?? [];
  const t = row.transform;
  if (t.kind === "none") return [...first];
  if (t.kind === "swapHalves") {
    checkSwappable(row.diffusers[0] ?? row.bfl, first, file);
    return [...first];
  }
  const tail = first.slice(1);
  let total = 0;
  t.sizes.forEach((symbol, k) => {
    const dims = parts[k] ?? [];
    const expected = [sizes[symbol], ...tail];
    if (dims.length !== expected.length || dims.some((d, j) => d !== expected[j])) {
      throw new ShapeMismatchError(
        row.diffusers[k] ?? row.bfl,
        file,
        expected,
        dims,
        `part ${k + 1} of ${row.bfl} should have ${symbol}=${sizes[symbol]} rows (${SIZE_SOURCES})`,
      );
    }
    total += sizes[symbol];
  });
  return [total, ...tail];
}

/** Dims of the diffusers tensors made from a BFL tensor with these dims (checked). */
export function diffusersDims(row: FluxRow, dims: readonly number[], sizes: FluxSizes, file: string): number[][] {
  const t = row.transform;
  if (t.kind === "none") return [[...dims]];
  if (t.kind === "swapHalves") {
    checkSwappable(row.bfl, dims, file);
    return [[...dims]];
  }
  const total = t.sizes.reduce((sum, s) => sum + sizes[s], 0);
  if (dims.length === 0 || dims[0] !== total) {
    throw new ShapeMismatchError(
      row.bfl,
      file,
      [t.sizes.join("+"), ...dims.slice(1)],
      dims,
      `expected ${total} rows (${t.sizes.map((s) => `${s}=${sizes[s]}`).join(", ")}; ${SIZE_SOURCES})`,
    );
  }
  return t.sizes.map((s) => [sizes[s], ...dims.slice(1)]);
}

function stack(parts: readonly Tensor[], names: readonly string[], file: string): Tensor {
  const same = parts.every((p) => p.dtype === parts[0]?.dtype);
  return concatRows(same ? parts : parts.map((p, k) => toF32(p, names[k] ?? "", file)));
}

/** The BFL tensor for `row`, read from diffusers-named tensors. */
export async function toBfl(row: FluxRow, read: (name: string) => Promise<Tensor>, sizes: FluxSizes, file: string): Promise<Tensor> {
  const parts = await Promise.all(row.diffusers.map(read));
  bflDims(
    row,
    parts.map((p) => p.dims),
    sizes,
    file,
  );
  const first = parts[0];
  if (first === undefined) throw new RangeError(`row ${row.bfl} has no diffusers keys`);
  if (row.transform.kind === "none") return first;
  if (row.transform.kind === "swapHalves") return swapHalves(first);
  return stack(parts, row.diffusers, file);
}

/** The diffusers tensors for `row` (in `row.diffusers` order), from the BFL tensor. */
export function toDiffusers(row: FluxRow, t: Tensor, sizes: FluxSizes, file: string): Tensor[] {
  const dims = diffusersDims(row, t.dims, sizes, file);
  if (row.transform.kind === "none") return [t];
  if (row.transform.kind === "swapHalves") return [swapHalves(t)];
  let start = 0;
  return dims.map((d) => {
    const part = sliceRows(t, start, d[0] ?? 0);
    start += d[0] ?? 0;
    return part;
  });
}
