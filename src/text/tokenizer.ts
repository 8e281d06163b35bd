/**
 * Prompt tokenization for FLUX's two text encoders, with the settings both FLUX pipelines use:
 * padding to `max_length` and truncation.
 *
 *   CLIP (77):  [BOS] content [EOS] pad pad ...   pad = `<|endoftext|>` for CLIP-L, so EOS repeats
 *   T5  (512):  content [EOS] pad pad ...         pad = `<pad>` (id 0), EOS = `</s>` (id 1), no BOS
 *
 * Truncation cuts content from the end and keeps the special tokens. The vocabulary and the text
 * normalisation come from the model folder's tokenizer files, run by `@huggingface/tokenizers`.
 */
import { IceditError, InvalidArgumentError } from "../errors.js";
import { tensor, type Tensor } from "../tensor.js";
import { loadTokenizerFolder, type TokenizerKind } from "./folder.js";
import { createHfTokenizer, type HfTokenizer } from "./hf-tokenizers.js";
import type { TokenizerConfigInfo } from "./tokenizer-config.js";
import { TokenizerFormatError } from "./errors.js";

export type { TokenizerKind } from "./folder.js";

export interface Tokenized {
  /** Exactly `maxLength` ids: specials, content, padding. */
  readonly ids: number[];
  /** Content tokens of the text that did not fit (0 when nothing was cut). */
  readonly truncatedTokens: number;
  /** Content tokens of the whole text, before truncation; `contentTokens - truncatedTokens` were kept. */
  readonly contentTokens: number;
}

/** Special token ids. `bos` is used by CLIP only. */
export interface SpecialIds {
  readonly bos?: number;
  readonly eos: number;
  readonly pad: number;
}

/** Special token names: CLIP-L's and T5's unless the tokenizer config says otherwise. */
const DEFAULT_NAMES = {
  clip: { bos: "<|startoftext|>", eos: "<|endoftext|>", pad: "<|endoftext|>" },
  t5: { eos: "</s>", pad: "<pad>" },
} as const;

/** A tokenizer whose text cannot be turned into ids (a token without id and no unknown token). */
export class TokenizationError extends IceditError {}

export class PromptTokenizer {
  private constructor(
    private readonly tokenizer: HfTokenizer,
    readonly kind: TokenizerKind,
    readonly maxLength: number,
    readonly specialIds: SpecialIds,
    readonly vocabSize: number,
    private readonly source: string,
  ) {}

  /**
   * Loads a diffusers tokenizer folder: tokenizer.json when present, else CLIP's vocab.json +
   * merges.txt or T5's spiece.model. Special tokens come from tokenizer_config.json /
   * special_tokens_map.json. Throws TokenizerFilesError naming the files looked for. The length is
   * `maxLength`, or with `{ upTo }` the folder's own model_max_length where that is shorter (a small
   * model trained on short prompts), else `upTo`.
   */
  static async fromFolder(dir: string, kind: TokenizerKind, maxLength: number | { readonly upTo: number }): Promise<PromptTokenizer> {
    const folder = await loadTokenizerFolder(dir, kind);
    const length = typeof maxLength === "number" ? maxLength : Math.min(maxLength.upTo, folder.config.modelMaxLength ?? maxLength.upTo);
    checkMaxLength(kind, length);
    return PromptTokenizer.build(folder.json, kind, length, {}, folder.config, folder.source);
  }

  /**
   * From a tokenizer.json document. Special ids default to the ids of CLIP's `<|startoftext|>` /
   * `<|endoftext|>` (pad = EOS) or T5's `</s>` / `<pad>`; pass `specialIds` to override.
   */
  static fromJson(json: object, kind: TokenizerKind, maxLength: number, specialIds: Partial<SpecialIds> = {}): PromptTokenizer {
    checkMaxLength(kind, maxLength);
    return PromptTokenizer.build(json, kind, maxLength, specialIds, { addedTokens: [] }, "tokenizer.json");
  }

  private static build(
    json: object,
    kind: TokenizerKind,
    maxLength: number,
    given: Partial<SpecialIds>,
    config: TokenizerConfigInfo,
    source: string,
  ): PromptTokenizer {
    const names =
      kind === "clip"
        ? {
            bos: config.bos ?? DEFAULT_NAMES.clip.bos,
            eos: config.eos ?? DEFAULT_NAMES.clip.eos,
            pad: config.pad ?? config.eos ?? DEFAULT_NAMES.clip.pad,
          }
        : { eos: config.eos ?? DEFAULT_NAMES.t5.eos, pad: config.pad ?? DEFAULT_NAMES.t5.pad };
    let tokenizer: HfTokenizer;
    try {
      tokenizer = createHfTokenizer(json, { eos_token: names.eos });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new TokenizerFormatError(source, `is not a tokenizer.json this library can run (${why})`, { cause: e });
    }
    const idOf = (role: string, name: string | undefined, id: number | undefined): number => {
      if (id !== undefined) return id;
      const found = name === undefined ? undefined : tokenizer.token_to_id(name);
      if (found === undefined) {
        throw new TokenizerFormatError(
          source,
          `the ${role} token ${JSON.stringify(name)} is not in the vocabulary: pass its id in specialIds`,
        );
      }
      return found;
    };
    const eos = idOf("EOS", names.eos, given.eos);
    const pad = idOf("padding", names.pad, given.pad);
    const specialIds: SpecialIds = "bos" in names ? { bos: idOf("BOS", names.bos, given.bos), eos, pad } : { eos, pad };
    const vocabSize = tokenizer.model?.vocab.length ?? 0;
    for (const [role, id] of Object.entries(specialIds)) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new TokenizerFormatError(source, `the ${role} id ${String(id)} is outside the vocabulary (size ${vocabSize})`);
      }
    }
    checkTemplate(tokenizer, kind, specialIds, source);
    return new PromptTokenizer(tokenizer, kind, maxLength, specialIds, vocabSize, source);
  }

  /** Content token ids of `text`, without special tokens, padding or truncation. */
  contentIds(text: string): number[] {
    if (typeof text !== "string") throw new InvalidArgumentError(`a prompt must be a string, got ${typeof text}`);
    const ids: number[] = [];
    for (const id of this.tokenizer.encode(text, { add_special_tokens: false }).ids) {
      if (id === undefined || !Number.isInteger(id)) {
        throw new TokenizationError(`${this.source}: a piece of ${JSON.stringify(text)} has no id and the tokenizer has no unknown token`);
      }
      ids.push(id);
    }
    return ids;
  }

  /** [BOS] content [EOS] pads (CLIP) or content [EOS] pads (T5), exactly `length` ids (default `maxLength`). */
  encode(text: string, length = this.maxLength): Tokenized {
    if (length !== this.maxLength) checkMaxLength(this.kind, length);
    const content = this.contentIds(text);
    const { bos, eos, pad } = this.specialIds;
    const room = length - (this.kind === "clip" ? 2 : 1);
    const kept = content.slice(0, room);
    const ids = this.kind === "clip" ? [bos as number, ...kept, eos] : [...kept, eos];
    while (ids.length < length) ids.push(pad);
    return { ids, truncatedTokens: content.length - kept.length, contentTokens: content.length };
  }

  encodeBatch(texts: readonly string[]): Tokenized[] {
    return texts.map((t) => this.encode(t));
  }
}

/** The ids of a batch as the int64 [B, T] tensor the text encoders take. */
export function idsTensor(batch: readonly Tokenized[]): Tensor<"i64"> {
  const t = batch[0]?.ids.length ?? 0;
  const data = new BigInt64Array(batch.length * t);
  batch.forEach((row, b) => {
    if (row.ids.length !== t)
      throw new InvalidArgumentError(`batch rows have ${t} and ${row.ids.length} ids: tokenize them with one tokenizer`);
    row.ids.forEach((id, i) => (data[b * t + i] = BigInt(id)));
  });
  return tensor("i64", [batch.length, t], data);
}

function checkMaxLength(kind: TokenizerKind, maxLength: number): void {
  const least = kind === "clip" ? 2 : 1;
  if (!Number.isInteger(maxLength) || maxLength < least) {
    throw new InvalidArgumentError(`maxLength must be an integer >= ${least} for ${kind}, got ${maxLength}`);
  }
}

/**
 * The tokenizer.json's own post-processor (what it wraps an empty text in) must agree with the
 * layout FLUX uses; a file without post-processor adds nothing and is accepted.
 */
function checkTemplate(tokenizer: HfTokenizer, kind: TokenizerKind, ids: SpecialIds, source: string): void {
  const got = tokenizer.encode("", { add_special_tokens: true }).ids;
  const want = kind === "clip" ? [ids.bos as number, ids.eos] : [ids.eos];
  if (got.length === 0 || (got.length === want.length && got.every((id, i) => id === want[i]))) return;
  const layout = kind === "clip" ? `[BOS ${ids.bos}] text [EOS ${ids.eos}]` : `text [EOS ${ids.eos}]`;
  throw new TokenizerFormatError(
    source,
    `its post-processor wraps text in [${got.join(", ")}], but a FLUX ${kind === "clip" ? "CLIP" : "T5"} prompt is ${layout}: is this the right tokenizer folder?`,
  );
}
