/** Typed errors of the runtime layer: they always name the graph, and the input when known. */
import { IceditError } from "../errors.js";

export class RuntimeError extends IceditError {
  constructor(
    readonly graph: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ONNX Runtime refused to create a session for a graph. */
export class SessionCreateError extends RuntimeError {}

/** A feed does not match the graph's declared input (missing, wrong dtype or shape, unknown). */
export class FeedError extends RuntimeError {
  constructor(
    graph: string,
    readonly input: string,
    message: string,
  ) {
    super(graph, message);
  }
}

/** ONNX Runtime failed while running a graph. `input` is set when its message names one. */
export class RunError extends RuntimeError {
  constructor(
    graph: string,
    readonly input: string | null,
    message: string,
  ) {
    super(graph, message);
  }
}

/** The requested execution provider is not available in this installation. */
export class ProviderUnavailableError extends IceditError {}

/** The engine was closed, or its worker thread died. */
export class EngineClosedError extends IceditError {}

/** A pooled session was run after it was released (or its pool closed). */
export class SessionReleasedError extends IceditError {}
