/**
 * The edit's defaults, in one table: the library's edit entry (resolveEditOptions) applies them
 * once; the CLI's help, the server's parameters and its OpenAPI description read them from here.
 */
export const EDIT_DEFAULTS = {
  seed: 42,
  steps: 28,
  guidance: 50,
  /** Width of the edited image; the height keeps the aspect, rounded to a multiple of 16. */
  width: 512,
  /** "diffusers" (as ICEdit's reference) or "bfl". */
  conventions: "diffusers",
  /** True classifier-free guidance's scale: 1 is off (one transformer run per step, as ICEdit). */
  trueCfgScale: 1,
  /** True CFG's negative prompt: " ", the prompt ICEdit's training drops the text to (one time in ten). */
  negativePrompt: " ",
  /** Noise selection: M, the candidates (seed, seed + 1, ...). */
  candidates: 6,
  /** Noise selection: m, the steps before judging (capped at steps - 1). */
  earlySteps: 10,
  /** Noise selection: what an unreachable judge does ("none": the edit fails; "first-seed": the first seed wins). */
  judgeFallback: "none",
} as const;

/**
 * FLUX.1 Kontext [dev]'s defaults where they differ from ICEdit's (the rest of EDIT_DEFAULTS
 * applies; its width does not: a Kontext edit keeps the size it resizes the source to). The
 * references differ too: BFL's cli_kontext runs 30 steps at guidance 2.5, diffusers'
 * FluxKontextPipeline 28 steps at guidance 3.5; icedit takes 28 steps at guidance 2.5.
 */
export const KONTEXT_DEFAULTS = {
  steps: 28,
  guidance: 2.5,
} as const;
