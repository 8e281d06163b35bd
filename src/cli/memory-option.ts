/** --max-memory: a size such as "20G" or "512M", or "auto" (the machine's memory). */
import { MEMORY_SIZE_FORMS, parseMemorySize } from "../runtime/memory-size.js";
import { UsageError } from "./io.js";

export function memoryOption(name: string, value: string | undefined): number | "auto" {
  if (value === undefined || value.trim().toLowerCase() === "auto") return "auto";
  const bytes = parseMemorySize(value);
  if (bytes === null) throw new UsageError(`--${name} takes ${MEMORY_SIZE_FORMS}, got "${value}"`);
  return bytes;
}
