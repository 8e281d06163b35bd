/** Typed errors of the synthetic scene world. */
import { IceditError } from "../../errors.js";

/** A scene breaks a rule of the world (overlap, size out of range, a repeated colour and kind, ...). */
export class InvalidSceneError extends IceditError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid scene: ${problems.join("; ")}`);
  }
}

/** An edit does not fit the scene it is applied to (no such shape, a colour the rules forbid, ...). */
export class InvalidEditError extends IceditError {}
