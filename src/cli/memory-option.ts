/** Size options: --max-memory (a size such as "20G" or "512M", or "auto": the machine's memory) and plain sizes. */
import { MEMORY_SIZE_FORMS, parseMemorySize } from "../runtime/memory-size.js";
import { UsageError } from "./io.js";

export function memoryOption(name: string, value: string | undefined): number | "auto" {
  if (value === undefined || value.trim().toLowerCase() === "auto") return "auto";
  const bytes = parseMemorySize(value);
  if (bytes === null) throw new UsageError(`--${name} takes ${MEMORY_SIZE_FORMS}, got "${value}"`);
  return bytes;
}

/** A size such as "256M" or "1G" (binary units), or undefined when the option is absent. */
export function sizeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseMemorySize(value);
  if (bytes === null)
    throw new UsageError(`--${name} takes a size such as 256M or 1G (binary units: 1G = 1 GiB) or a number of bytes, got "${value}"`);
  return bytes;
}
