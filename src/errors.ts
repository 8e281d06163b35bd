/**
 * The root of icedit's typed errors. Every error a user can cause derives from it, so the entry
 * points can print its message (which says what was wrong and what to do) instead of a stack trace.
 */
export class IceditError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A caller passed something the API cannot work with (wrong shape, bad option value, ...). */
export class InvalidArgumentError extends IceditError {}
