/**
 * Cells of Hugging Face parquet shards as hyparquet gives them (read with utf8 off, so binary
 * columns stay bytes): an image is a struct {bytes, path} (or bare bytes); text may arrive as
 * bytes when its column lacks the STRING annotation.
 */

/** The encoded image bytes of a cell, or why there are none. */
export function imageBytes(cell: unknown): Uint8Array | string {
  if (cell instanceof Uint8Array) return cell;
  if (typeof cell === "object" && cell !== null && "bytes" in cell) {
    const bytes = (cell as { bytes: unknown }).bytes;
    if (bytes instanceof Uint8Array) return bytes;
    const path = "path" in cell ? (cell as { path: unknown }).path : undefined;
    const where = typeof path === "string" && path !== "" ? ` (it names the file ${path}, which a shard cannot hold)` : "";
    return `the image cell has no bytes${where}`;
  }
  return `the image cell is ${cell === null || cell === undefined ? "empty" : `a ${typeof cell}, not an image struct {bytes, path}`}`;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** A text cell as a string ("" for null). */
export function cellText(cell: unknown): string {
  if (typeof cell === "string") return cell;
  if (cell instanceof Uint8Array) return utf8.decode(cell);
  return "";
}

/** A list-of-text cell as strings (a lone string counts as a list of one). */
export function cellTextList(cell: unknown): string[] {
  if (Array.isArray(cell)) return cell.map(cellText);
  if (typeof cell === "string" || cell instanceof Uint8Array) return [cellText(cell)];
  return [];
}
