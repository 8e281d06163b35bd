/**
 * The one importer of `@huggingface/tokenizers`. Its bundled .d.ts files import each other without
 * file extensions, which TypeScript's NodeNext resolution (this project's) cannot follow, so every
 * type from the package arrives as `any`. This file states the small part used here, with honest
 * types (an id can be undefined when a token has no id and the model has no unknown token).
 */
import { Tokenizer } from "@huggingface/tokenizers";

export interface HfEncoding {
  readonly ids: readonly (number | undefined)[];
  readonly tokens: readonly string[];
}

export interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): HfEncoding;
  token_to_id(token: string): number | undefined;
  /** The model's id -> token table, added tokens included (so its length is the vocabulary size). */
  readonly model: { readonly vocab: readonly (string | undefined)[] } | null;
}

type HfTokenizerClass = new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;

const TokenizerClass: HfTokenizerClass = Tokenizer;

/** Builds a tokenizer from a tokenizer.json document and (a subset of) tokenizer_config.json. */
export function createHfTokenizer(tokenizerJson: object, tokenizerConfig: object): HfTokenizer {
  return new TokenizerClass(tokenizerJson, tokenizerConfig);
}
