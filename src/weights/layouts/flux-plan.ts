/** The rows and sizes for converting one FLUX checkpoint from its layout, checked before any data is read. */
import { stripPrefixView } from "../prefix-view.js";
import type { TensorSource } from "../source.js";
import { WrongLayoutError } from "./errors.js";
import { bflDims, diffusersDims, type FluxRow } from "./apply-row.js";
import { fluxKeyFormat, type FluxLayout } from "./flux-detect.js";
import { fluxSizes, type FluxSizes } from "./flux-sizes.js";
import { FLUX_KEY_TABLE } from "./flux-table.js";
import { expandRows } from "./key-mapper.js";

export interface FluxPlan {
  /** The source with its key prefix (if any) stripped. */
  readonly source: TensorSource;
  readonly rows: readonly FluxRow[];
  readonly sizes: FluxSizes;
}

/** Throws (typed) when the source is not in layout `from`, is incomplete, or has inconsistent shapes. */
export function planFluxConversion(source: TensorSource, from: FluxLayout): FluxPlan {
  const file = source.description;
  const format = fluxKeyFormat(source.names(), file);
  if (format.layout !== from) throw new WrongLayoutError(file, format.layout, from);
  const stripped = stripPrefixView(source, format.prefix);
  const names = stripped.names();
  const rows = expandRows(FLUX_KEY_TABLE, from, names, file);
  const dimsOf = (name: string): readonly number[] | undefined => (stripped.has(name) ? stripped.entry(name).dims : undefined);
  const sizes = fluxSizes(from, names, dimsOf, file);
  for (const row of rows) {
    if (from === "bfl") diffusersDims(row, stripped.entry(row.bfl).dims, sizes, file);
    else
      bflDims(
        row,
        row.diffusers.map((n) => stripped.entry(n).dims),
        sizes,
        file,
      );
  }
  return { source: stripped, rows, sizes };
}
