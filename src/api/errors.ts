/** Typed errors of the library API. */
import { InvalidArgumentError } from "../errors.js";

/**
 * An edit option (or a limit) the library cannot take: not a number, not whole, out of range, or
 * over a limit. `option` names it as the caller wrote it (`steps`, `limits.maxWidth`, `image`);
 * `limit` is set when the value is over a limit that the caller may raise.
 */
export class EditOptionError extends InvalidArgumentError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    message: string,
    readonly limit?: { readonly name: string; readonly max: number },
  ) {
    super(message);
  }
}
