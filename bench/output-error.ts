/** How far an output is from a reference output of the same shape. */
export interface OutputError {
  /** ||a - b|| / ||b|| */
  readonly relative_rms: number;
  /** max |a - b| */
  readonly max_abs: number;
  /** RMS of the reference, to read max_abs against. */
  readonly reference_rms: number;
}

export function outputError(actual: Float32Array, reference: Float32Array): OutputError {
  if (actual.length !== reference.length) {
    throw new Error(`cannot compare outputs of ${actual.length} and ${reference.length} values: they come from different shapes`);
  }
  let diff = 0;
  let scale = 0;
  let maxAbs = 0;
  for (let i = 0; i < reference.length; i++) {
    const b = reference[i] as number;
    const d = (actual[i] as number) - b;
    diff += d * d;
    scale += b * b;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  // NaN in the output must show, not vanish into max()
  if (!Number.isFinite(diff)) maxAbs = NaN;
  return { relative_rms: Math.sqrt(diff / scale), max_abs: maxAbs, reference_rms: Math.sqrt(scale / reference.length) };
}
