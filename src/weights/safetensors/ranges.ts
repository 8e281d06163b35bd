/** Checks that the header's byte ranges fit the shapes, do not overlap, and lie inside the file. */
import { BYTES_PER_ELEMENT, numel, shapeString } from "../../tensor.js";
import { TensorOffsetError, TruncatedFileError } from "../errors.js";
import type { HeaderEntry } from "./header.js";

/** Gaps and trailing bytes are allowed (some writers align tensors); overlaps are not. */
export function checkRanges(entries: readonly HeaderEntry[], dataLength: number, file: string): void {
  for (const e of entries) {
    if (e.end < e.begin) {
      throw new TensorOffsetError(file, e.name, `data_offsets [${e.begin}, ${e.end}] end before they begin`);
    }
    const expected = numel(e.dims) * BYTES_PER_ELEMENT[e.dtype];
    if (e.end - e.begin !== expected) {
      throw new TensorOffsetError(
        file,
        e.name,
        `data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin} bytes, but shape ${shapeString(e.dims)} of ${e.dtype} needs ${expected}`,
      );
    }
  }
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev !== undefined && cur !== undefined && cur.begin < prev.end) {
      throw new TensorOffsetError(
        file,
        cur.name,
        `bytes [${cur.begin}, ${cur.end}) overlap those of tensor ${prev.name} [${prev.begin}, ${prev.end})`,
      );
    }
  }
  const last = sorted[sorted.length - 1];
  if (last !== undefined && last.end > dataLength) {
    throw new TruncatedFileError(file, `header says ${last.end} bytes of data (tensor ${last.name} ends there), file has ${dataLength}`);
  }
}
