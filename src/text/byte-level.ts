/**
 * The byte-level alphabet of GPT-2 style BPE (used by CLIP): every byte 0..255 is shown as one
 * printable character, so that any UTF-8 text is a string over 256 symbols and BPE never meets an
 * unknown character.
 */

/**
 * [byte, character] pairs in the order CLIP's vocabulary lists them: first the bytes that are
 * printable as themselves ('!'..'~', '¡'..'¬', '®'..'ÿ'), then the others mapped to U+0100 upwards.
 * CLIP's vocab ids 0..255 are these characters in this order; ids 256..511 are the same with `</w>`.
 */
export function byteLevelAlphabet(): [number, string][] {
  const printable: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) printable.push(b);
  const pairs: [number, string][] = printable.map((b) => [b, String.fromCharCode(b)]);
  const isPrintable = new Set(printable);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (isPrintable.has(b)) continue;
    pairs.push([b, String.fromCharCode(256 + next)]);
    next++;
  }
  return pairs;
}

/** Maps a word's UTF-8 bytes to byte-level characters (what the ByteLevel pre-tokenizer does). */
export function toByteLevel(word: string): string {
  const table = BYTE_TO_CHAR;
  let out = "";
  for (const b of new TextEncoder().encode(word)) out += table.get(b) as string;
  return out;
}

const BYTE_TO_CHAR = new Map(byteLevelAlphabet());
