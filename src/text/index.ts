/** Text layer: prompt tokenizers for FLUX's CLIP and T5 encoders, and demo tokenizer files. */
export { PromptTokenizer, TokenizationError, idsTensor, type SpecialIds, type Tokenized, type TokenizerKind } from "./tokenizer.js";
export { TokenizerFilesError, TokenizerFormatError } from "./errors.js";
export { tokenizerFileSets } from "./folder.js";
export {
  DEMO_CLIP_MIN_VOCAB,
  DEMO_T5_MIN_VOCAB,
  demoClipTokenizerFiles,
  demoT5TokenizerFiles,
  type DemoTokenizerOptions,
  type TokenizerFiles,
} from "./demo-tokenizers.js";
