/**
 * Typed errors for weight files. Each message names the file (and the tensor when there is one),
 * says what is wrong and what to do about it.
 */
import { IceditError } from "../errors.js";
import { shapeString } from "../tensor.js";

/** Something is wrong with a weight file; `file` is its path (or the index path of a sharded set). */
export class WeightsFileError extends IceditError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The file ends before the data its header promises (or is too short to have a header). */
export class TruncatedFileError extends WeightsFileError {
  constructor(file: string, problem: string) {
    super(file, `${file}: the file is truncated (${problem}): re-download or re-copy it`);
  }
}

/** The header is not a valid safetensors header (bad length, not UTF-8 JSON, wrong field types). */
export class InvalidHeaderError extends WeightsFileError {
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(file, `${file}: invalid safetensors header: ${problem}`, options);
  }
}

/** A tensor uses a dtype this project does not read. */
export class UnknownDTypeError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensor: string,
    readonly dtype: string,
    supported: readonly string[],
  ) {
    const fp8 = dtype.startsWith("F8") || dtype.startsWith("F4") || dtype.startsWith("F6");
    const hint = fp8
      ? ": 8-bit and smaller float checkpoints are not supported; use a bf16, f16 or f32 checkpoint (or a GGUF file)"
      : ": convert the checkpoint to one of these dtypes";
    super(file, `${file}: tensor ${tensor} has dtype ${dtype}, which is not supported (supported: ${supported.join(", ")})${hint}`);
  }
}

/** A tensor's byte range is inconsistent: end before begin, wrong length for its shape, or overlapping another. */
export class TensorOffsetError extends WeightsFileError {
  constructor(
    file: string,
    readonly tensor: string,
    problem: string,
  ) {
    super(file, `${file}: tensor ${tensor}: ${problem}: the file is corrupt or was written by a broken tool; re-download or re-export it`);
  }
}

/** A named tensor is not in the file. */
export class MissingTensorError extends WeightsFileError {
  constructor(
    readonly tensor: string,
    file: string,
    hint?: string,
  ) {
    super(file, `tensor ${tensor} missing in ${file}${hint ? `: ${hint}` : ""}`);
  }
}

/** A weight file (or a shard of a sharded set) does not exist or cannot be opened. */
export class MissingFileError extends WeightsFileError {
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(file, `${file}: ${problem}`, options);
  }
}

/** A tensor has another shape than the model expects. `expected` may hold symbolic sizes ("D"). */
export class ShapeMismatchError extends WeightsFileError {
  constructor(
    readonly tensor: string,
    file: string,
    readonly expected: readonly (number | string)[],
    readonly actual: readonly number[],
    hint?: string,
  ) {
    super(
      file,
      `tensor ${tensor} in ${file} has shape ${shapeString(actual)}, expected ${shapeString(expected)}` + (hint ? `: ${hint}` : ""),
    );
  }
}

/** A tensor was asked for as floats but holds integers or booleans. */
export class TensorDTypeError extends WeightsFileError {
  constructor(
    readonly tensor: string,
    file: string,
    readonly dtype: string,
    wanted: string,
  ) {
    super(
      file,
      `tensor ${tensor} in ${file} has dtype ${dtype} and cannot be read as ${wanted}: it holds integers, not weights; read it with read() instead`,
    );
  }
}

/** The index of a sharded checkpoint (*.safetensors.index.json) is malformed. */
export class InvalidShardIndexError extends WeightsFileError {
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(file, `${file}: invalid sharded-checkpoint index: ${problem}: re-download the index file`, options);
  }
}

/** A source was used after close(). */
export class ClosedSourceError extends WeightsFileError {
  constructor(file: string, tensor: string) {
    super(file, `cannot read tensor ${tensor}: ${file} was already closed; open it again`);
  }
}
