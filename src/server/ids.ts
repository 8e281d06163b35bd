/** Job ids: made by the server (never by a client), URL- and file-name-safe, hard to guess. */
import { randomBytes } from "node:crypto";

const ID_PATTERN = /^ed_[0-9a-z]{20}$/;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

export function newJobId(): string {
  const bytes = randomBytes(20);
  let id = "ed_";
  for (const byte of bytes) id += ALPHABET[byte % 36]; // 20 x ~5.2 bits ≈ 103 bits
  return id;
}

/** Whether `text` has the shape of a job id (checked before any lookup). */
export function isJobId(text: string): boolean {
  return ID_PATTERN.test(text);
}
