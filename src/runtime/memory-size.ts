/** Memory sizes as people write them ("20G", "20GiB", "512M", "1.5T", bytes), in binary units. */

const UNIT_BYTES: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** The forms parseMemorySize accepts, for messages. */
export const MEMORY_SIZE_FORMS = 'a size such as 20G, 20GiB, 512M or 1.5T (binary units: 1G = 1 GiB), a number of bytes, or "auto"';

/** Bytes of `text` (K, M, G, T with an optional "B" or "iB"; none: bytes), or null when it is not a positive size. */
export function parseMemorySize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = (match[2] ?? "").toUpperCase();
  if (unit === "" && (match[3] ?? "").toLowerCase() === "ib") return null;
  const bytes = Math.round(Number(match[1]) * (UNIT_BYTES[unit] as number));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** "1.5 GiB", "512 MiB", "900 B". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
