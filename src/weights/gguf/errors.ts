/**
 * Typed errors for GGUF files. Truncation and bad tensor byte ranges use the shared
 * TruncatedFileError / TensorOffsetError of ../errors.ts; these cover what is GGUF-specific.
 */
import { WeightsFileError } from "../errors.js";

/** The header is not valid GGUF (magic, value types, tensor infos, alignment, ...). */
export class GgufFormatError extends WeightsFileError {
  constructor(file: string, problem: string) {
    super(file, `${file}: invalid GGUF file: ${problem}`);
  }
}

/** A GGUF version other than 3. */
export class UnsupportedGgufVersionError extends GgufFormatError {
  constructor(
    file: string,
    readonly version: number,
    hint: string,
  ) {
    super(file, `GGUF version ${version} is not supported (only version 3)${hint}`);
  }
}

/** A tensor uses a ggml type this project does not read (Q4_1, Q5_0, K-quants, IQ types, ...). */
export class UnsupportedGgmlTypeError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensor: string,
    readonly ggmlType: string,
  ) {
    super(
      file,
      `${file}: tensor ${tensor} has ggml type ${ggmlType}, which is not supported ` +
        `(supported: F32, F16, BF16, Q8_0, Q4_0): use a Q8_0, Q4_0, F16 or BF16 GGUF file of the model`,
    );
  }
}

/** readBlocks() on a tensor that is not block-quantized. */
export class NotBlockQuantizedError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensor: string,
    readonly ggmlType: string,
  ) {
    super(file, `tensor ${tensor} in ${file} is ${ggmlType}, not a Q8_0/Q4_0 block tensor: read it with read() or readF32()`);
  }
}
