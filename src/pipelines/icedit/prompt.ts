/** ICEdit's in-context prompt (docs/icedit.md §1; the wording the released LoRAs were trained with). */
import { InvalidArgumentError } from "../../errors.js";

export const IC_PROMPT_PREFIX =
  "A diptych with two side-by-side images of the same scene. On the right, the scene is exactly the same as on the left but ";

export class EmptyInstructionError extends InvalidArgumentError {
  constructor() {
    super('the instruction is empty: say what to change, e.g. "make her hair dark green" or "remove the cup"');
  }
}

/** The full prompt for an edit instruction (whitespace trimmed, inner whitespace kept). */
export function icPrompt(instruction: string): string {
  const text = instruction.trim();
  if (!text) throw new EmptyInstructionError();
  return IC_PROMPT_PREFIX + text;
}
