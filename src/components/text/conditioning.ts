/**
 * Prompt -> FLUX text conditioning: T5 hidden states (txt) and the CLIP pooled vector (y), with a
 * cache so a repeated instruction does not run T5 again. The cache is pluggable (in memory by
 * default; weights/embedding-cache.ts keeps one on disk).
 */
import type { PromptTokenizer } from "../../text/tokenizer.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { ClipTextEncoder } from "./clip.js";
import type { T5Encoder } from "./t5.js";
import type { EmbeddingCache, TextEmbedding } from "../../weights/embedding-cache.js";

export type { EmbeddingCache, TextEmbedding } from "../../weights/embedding-cache.js";

export interface Truncation {
  readonly encoder: "t5" | "clip";
  readonly kept: number;
  readonly cut: number;
}

/** A bounded in-memory cache (least recently used first out). */
export class MemoryEmbeddingCache implements EmbeddingCache {
  private readonly entries = new Map<string, TextEmbedding>();
  constructor(private readonly capacity = 64) {}

  async get(key: string): Promise<TextEmbedding | undefined> {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  async set(key: string, value: TextEmbedding): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

export interface TextModels {
  readonly clip: ClipTextEncoder;
  readonly t5: T5Encoder;
  readonly clipTokenizer: PromptTokenizer;
  readonly t5Tokenizer: PromptTokenizer;
  /** Identifies the encoders' weights in cache keys (e.g. the model folder and revision). */
  readonly identity: string;
}

export interface EncodedPrompt {
  readonly embedding: TextEmbedding;
  /** The T5 sequence length used (the embedding's txt is [1, t5Length, context]). */
  readonly t5Length: number;
  readonly truncations: readonly Truncation[];
  readonly cached: boolean;
  readonly ms: number;
}

function ids(values: readonly number[]): Tensor<"i64"> {
  return tensor(
    "i64",
    [1, values.length],
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}

export class TextConditioner {
  constructor(
    private readonly models: TextModels,
    private readonly cache: EmbeddingCache = new MemoryEmbeddingCache(),
  ) {}

  cacheKey(prompt: string, t5Length = this.models.t5Tokenizer.maxLength): string {
    return JSON.stringify([this.models.identity, t5Length, this.models.clipTokenizer.maxLength, prompt]);
  }

  /** `options.t5Length`: the T5 sequence length (ids padded or cut to it); default the tokenizer's. */
  async encode(prompt: string, options: { readonly t5Length?: number } = {}): Promise<EncodedPrompt> {
    const start = performance.now();
    const t5Length = options.t5Length ?? this.models.t5Tokenizer.maxLength;
    const t5Tokens = this.models.t5Tokenizer.encode(prompt, t5Length);
    const clipTokens = this.models.clipTokenizer.encode(prompt);
    const truncations: Truncation[] = [];
    if (t5Tokens.truncatedTokens > 0)
      truncations.push({ encoder: "t5", kept: t5Tokens.contentTokens - t5Tokens.truncatedTokens, cut: t5Tokens.truncatedTokens });
    if (clipTokens.truncatedTokens > 0)
      truncations.push({ encoder: "clip", kept: clipTokens.contentTokens - clipTokens.truncatedTokens, cut: clipTokens.truncatedTokens });
    const key = this.cacheKey(prompt, t5Length);
    const hit = await this.cache.get(key);
    if (hit) return { embedding: hit, t5Length, truncations, cached: true, ms: performance.now() - start };
    const { lastHiddenState } = await this.models.t5.forward(ids(t5Tokens.ids));
    const { pooled } = await this.models.clip.forward(ids(clipTokens.ids));
    const embedding: TextEmbedding = { txt: lastHiddenState, y: pooled };
    await this.cache.set(key, embedding);
    return { embedding, t5Length, truncations, cached: false, ms: performance.now() - start };
  }
}
