/**
 * A judge compares two candidate edits of one image and says which follows the instruction better.
 * Anything with compare() and probe() is a judge: the HTTP clients here, or a caller's own scorer.
 */
/** One turn of a chat with a vision-language model. */
export interface ChatTurn {
  readonly role: "user" | "assistant";
  readonly text: string;
  /** Encoded images that go with this turn, in order. */
  readonly images?: readonly Uint8Array[];
}

export interface JudgeRequest {
  /** Encoded image bytes (PNG from the pipeline) of candidate 1, candidate 2 and the original. */
  readonly image1: Uint8Array;
  readonly image2: Uint8Array;
  readonly original: Uint8Array;
  readonly instruction: string;
  readonly signal?: AbortSignal;
}

export interface JudgeVerdict {
  /** The better candidate, or null: the judge named neither or both (a tie). */
  readonly choice: 1 | 2 | null;
  /** The judge's answer as it came (both answers, when the stricter reminder was needed). */
  readonly raw: string;
  readonly ms: number;
  /** Whether the answer had to be asked for again with the stricter reminder. */
  readonly retried: boolean;
}

/** Where a judge lives, for the record. */
export interface JudgeIdentity {
  readonly kind: "openai" | "ollama" | "rule";
  /** The HTTP judges' URL; "in-process" for a rule judge. */
  readonly url: string;
  readonly model: string;
}

/** The identity of a judge reached over HTTP. */
export type HttpJudgeIdentity = JudgeIdentity & { readonly kind: "openai" | "ollama" };

export interface Judge {
  compare(request: JudgeRequest): Promise<JudgeVerdict>;
  /** A fast reachability check, run before any transformer work; throws a JudgeError if the judge cannot serve. */
  probe(): Promise<void>;
  /** Set by the built-in HTTP judges; a judge without it is recorded as "custom". */
  readonly identity?: JudgeIdentity;
  /** A free-form chat with the judge's model (the HTTP judges): what icedit eval's VLM score asks through. */
  ask?(turns: readonly ChatTurn[], signal?: AbortSignal): Promise<string>;
}

/** A scorer function: a choice, or a text answer to parse like a VLM's. */
export type JudgeFunction = (request: JudgeRequest) => Promise<1 | 2 | null | string> | 1 | 2 | null | string;
