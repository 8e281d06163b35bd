/**
 * A VLM's score of one edit, after VIEScore's scheme (Ku et al. 2024), with our own questions:
 *   SC (semantic consistency): given the source, the edit and the instruction, two ratings 0-10:
 *      how fully the edit does what was asked, and how little it changed beyond that.
 *   PQ (perceptual quality): given the edit alone, two ratings 0-10: how natural it looks, and
 *      how free it is of artifacts.
 *   O = sqrt(min(SC) * min(PQ)), on 0-10.
 * The model answers JSON {"scores": [a, b], "reason": "..."}; an answer without two numbers in
 * 0-10 is asked once more with a reminder, and still unusable gives null (recorded with the text).
 */
import type { ChatTurn } from "../../vlm/judge.js";

/** Sends a chat and returns the answer (an HTTP judge's ask). */
export type AskVlm = (turns: readonly ChatTurn[], signal?: AbortSignal) => Promise<string>;

export interface VlmScore {
  /** The two SC ratings. */
  readonly sc: readonly [number, number];
  /** The two PQ ratings. */
  readonly pq: readonly [number, number];
  /** sqrt(min(sc) * min(pq)), 0-10. */
  readonly overall: number;
}

export interface VlmScoreResult {
  readonly score: VlmScore | null;
  /** The answers as they came (for the record). */
  readonly raw: readonly string[];
}

const FORMAT =
  'Answer with JSON only, in this form: {"scores": [first, second], "reason": "one sentence"}, each score a number from 0 to 10.';

export function consistencyQuestion(instruction: string): string {
  return [
    "The first image is a photo before an edit, the second the same photo after an edit that was asked for with this instruction:",
    JSON.stringify(instruction),
    "Rate two things from 0 to 10. First: how completely the second image carries out the instruction (0: not at all, 10: exactly as asked).",
    "Second: how much of the photo the edit left alone apart from what the instruction asked (0: changed beyond recognition, 10: nothing else changed).",
    FORMAT,
  ].join("\n");
}

export const QUALITY_QUESTION = [
  "This image was made by an image-editing model.",
  "Rate two things from 0 to 10. First: how natural and plausible it looks (0: clearly fake, 10: like a real photo or a deliberate artwork).",
  "Second: how free it is of artifacts such as distorted shapes, smears, noise, broken text or seams (0: full of them, 10: none).",
  FORMAT,
].join("\n");

const REMINDER = 'Please answer with the JSON object only, e.g. {"scores": [7, 9], "reason": "..."}.';

/** Two ratings in 0-10 from an answer, or null. */
export function parseRatings(answer: string): [number, number] | null {
  const start = answer.indexOf("{");
  const end = answer.lastIndexOf("}");
  if (start < 0 || end <= start) return null;
  let value: unknown;
  try {
    value = JSON.parse(answer.slice(start, end + 1));
  } catch {
    return null;
  }
  const scores = typeof value === "object" && value !== null ? (value as Record<string, unknown>)["scores"] : undefined;
  if (!Array.isArray(scores) || scores.length !== 2) return null;
  const [a, b] = scores.map((s) => (typeof s === "string" ? Number(s) : s));
  const valid = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0 && x <= 10;
  return valid(a) && valid(b) ? [a, b] : null;
}

async function ratings(ask: AskVlm, question: ChatTurn, raw: string[], signal?: AbortSignal): Promise<[number, number] | null> {
  const answer = await ask([question], signal);
  raw.push(answer);
  const first = parseRatings(answer);
  if (first) return first;
  const again = await ask([question, { role: "assistant", text: answer }, { role: "user", text: REMINDER }], signal);
  raw.push(again);
  return parseRatings(again);
}

/** source and edited: encoded images (PNG). */
export async function vlmScore(
  ask: AskVlm,
  edit: { readonly source: Uint8Array; readonly edited: Uint8Array; readonly instruction: string },
  signal?: AbortSignal,
): Promise<VlmScoreResult> {
  const raw: string[] = [];
  const sc = await ratings(
    ask,
    { role: "user", text: consistencyQuestion(edit.instruction), images: [edit.source, edit.edited] },
    raw,
    signal,
  );
  const pq = await ratings(ask, { role: "user", text: QUALITY_QUESTION, images: [edit.edited] }, raw, signal);
  if (!sc || !pq) return { score: null, raw };
  return { score: { sc, pq, overall: Math.sqrt(Math.min(...sc) * Math.min(...pq)) }, raw };
}
