/**
 * Independent reference tokenizers for the tests, written from the algorithms' definitions (not
 * through @huggingface/tokenizers): CLIP's byte-level BPE (lowest-rank pair merged first) and a
 * sentencepiece-style Unigram Viterbi. Plus temp-folder helpers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** CLIP: NFC, collapse whitespace, lowercase, split by CLIP's regex, UTF-8 bytes as byte chars, BPE with </w>. */
export function referenceClipIds(text: string, vocab: Record<string, number>, merges: readonly string[]): number[] {
  const printable: number[] = [];
  for (const [lo, hi] of [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ] as const)
    for (let b = lo; b <= hi; b++) printable.push(b);
  const byteChar = new Map<number, string>();
  printable.forEach((b) => byteChar.set(b, String.fromCharCode(b)));
  let extra = 0;
  for (let b = 0; b < 256; b++) if (!byteChar.has(b)) byteChar.set(b, String.fromCharCode(256 + extra++));
  const rank = new Map(merges.map((m, i) => [m, i]));

  const clean = text.normalize("NFC").replace(/\s+/gu, " ").toLowerCase();
  const words = clean.match(/'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu) ?? [];
  const ids: number[] = [];
  for (const w of words) {
    let parts = [...new TextEncoder().encode(w)].map((b) => byteChar.get(b) as string);
    parts[parts.length - 1] += "</w>";
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      const [a, b] = [parts[best] as string, parts[best + 1] as string];
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (parts[i] === a && parts[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(parts[i] as string);
      }
      parts = next;
    }
    for (const p of parts) {
      const id = vocab[p];
      if (id === undefined) throw new Error(`reference CLIP: ${p} not in vocab`);
      ids.push(id);
    }
  }
  return ids;
}

/**
 * Unigram: the demo T5 normalisation (NFKC, whitespace to space, strip right, runs of spaces to one
 * ▁), spaces to ▁ with a leading ▁, then the highest-scoring segmentation; characters without a
 * piece are unknown (score min - 10) and neighbouring unknowns fuse into one.
 */
export function referenceUnigramIds(
  text: string,
  pieces: readonly (readonly [string, number])[],
  unkId: number,
  skip: ReadonlySet<number>,
): number[] {
  let s = text.normalize("NFKC").replace(/\s/gu, " ").trimEnd().replace(/ {2,}/g, "\u2581").replaceAll(" ", "\u2581");
  if (s.length === 0) return [];
  if (!s.startsWith("\u2581")) s = "\u2581" + s;
  const chars = [...s];
  const scoreOf = new Map<string, [number, number]>();
  pieces.forEach(([p, sc], id) => {
    if (!skip.has(id)) scoreOf.set(p, [id, sc]);
  });
  const unkScore = Math.min(...pieces.filter((_, i) => !skip.has(i)).map(([, sc]) => sc)) - 10;
  const longest = Math.max(1, ...[...scoreOf.keys()].map((p) => [...p].length));
  const best: { score: number; from: number; id: number }[] = [{ score: 0, from: -1, id: -1 }];
  for (let end = 1; end <= chars.length; end++) {
    let cell = { score: -Infinity, from: -1, id: -1 };
    for (let start = Math.max(0, end - longest); start < end; start++) {
      const prev = best[start] as { score: number };
      const piece = chars.slice(start, end).join("");
      const hit = scoreOf.get(piece);
      const sc = hit ? hit[1] : end - start === 1 ? unkScore : undefined;
      if (sc === undefined) continue;
      if (prev.score + sc > cell.score) cell = { score: prev.score + sc, from: start, id: hit ? hit[0] : unkId };
    }
    best.push(cell);
  }
  const ids: number[] = [];
  for (let at = chars.length; at > 0; at = (best[at] as { from: number }).from) ids.unshift((best[at] as { id: number }).id);
  return ids.filter((id, i) => !(id === unkId && ids[i - 1] === unkId));
}

/** Writes `files` into a fresh temp folder; returns its path and a cleanup function. */
export async function tempFolder(files: Record<string, string | Uint8Array>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "icedit-tok-"));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An English prompt of `n` words, cycling through a fixed list. */
export function longPrompt(n: number): string {
  const words = "make the woman's hair dark green and add a red hat while keeping her face exactly the same as before".split(" ");
  return Array.from({ length: n }, (_, i) => words[i % words.length]).join(" ");
}
