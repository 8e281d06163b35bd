/**
 * The pairwise comparison as a chat, shared by the HTTP judges: the prompt with the three images
 * (candidate 1, candidate 2, original), the answer parsed, and one stricter follow-up when the
 * answer named neither candidate or both.
 */
import type { ChatTurn, JudgeRequest, JudgeVerdict } from "./judge.js";
import { parseChoice } from "./parse.js";
import { pairwisePrompt, STRICT_REMINDER } from "./prompt.js";

export type { ChatTurn };

/** Sends the conversation and returns the assistant's answer text. */
export type AskChat = (turns: readonly ChatTurn[], signal?: AbortSignal) => Promise<string>;

export async function comparePairwise(ask: AskChat, request: JudgeRequest): Promise<JudgeVerdict> {
  const started = performance.now();
  const question: ChatTurn = {
    role: "user",
    text: pairwisePrompt(request.instruction),
    images: [request.image1, request.image2, request.original],
  };
  const answer = await ask([question], request.signal);
  const choice = parseChoice(answer);
  if (choice !== null) return { choice, raw: answer, ms: performance.now() - started, retried: false };
  const again = await ask([question, { role: "assistant", text: answer }, { role: "user", text: STRICT_REMINDER }], request.signal);
  return { choice: parseChoice(again), raw: `${answer}\n[reminder] ${again}`, ms: performance.now() - started, retried: true };
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The MIME type of encoded image bytes, from their signature (PNG unless it is JPEG, WebP or GIF). */
export function imageMime(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  if (ascii(0, 4) === "GIF8") return "image/gif";
  return "image/png";
}

/** "http://host:port/v1/" -> "http://host:port/v1"; drops a trailing endpoint path if one was given. */
export function baseUrl(url: string, endpoints: readonly string[]): string {
  let base = url.trim().replace(/\/+$/, "");
  for (const suffix of endpoints) if (base.endsWith(suffix)) base = base.slice(0, -suffix.length);
  return base.replace(/\/+$/, "");
}

/** Whether a server's model list holds `model` (Ollama adds ":latest" to names given without a tag). */
export function listsModel(names: readonly string[], model: string): boolean {
  return names.some((n) => n === model || n === `${model}:latest` || `${n}:latest` === model);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
