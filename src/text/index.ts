/** Text layer: prompt tokenizers for FLUX's CLIP and T5 encoders (the demo's tokenizer files: demo/tokenizers.ts). */
export { PromptTokenizer, TokenizationError, idsTensor, type SpecialIds, type Tokenized, type TokenizerKind } from "./tokenizer.js";
export { TokenizerFilesError, TokenizerFormatError } from "./errors.js";
export { tokenizerFileSets } from "./folder.js";
