/**
 * Adapter key names: what a key is (lora_A, lora_up, alpha, an expert, the router, ...) and which
 * module it belongs to, for every format (diffusers/PEFT, ICEdit MoE, kohya, ComfyUI, XLabs, BFL).
 */

export type KeyRole =
  | { readonly kind: "A" }
  | { readonly kind: "B" }
  | { readonly kind: "bias" }
  | { readonly kind: "alpha" }
  | { readonly kind: "expertA"; readonly expert: number }
  | { readonly kind: "expertB"; readonly expert: number }
  | { readonly kind: "route" }
  /** DoRA magnitudes: not supported, reported. */
  | { readonly kind: "dora" };

/** Which family of names a key uses: PEFT (lora_A/B), kohya (lora_down/up), XLabs (down/up). */
export type KeyStyle = "peft" | "kohya" | "xlabs";

export interface ParsedKey {
  readonly key: string;
  /** The key without its role suffix, as written (prefixes included). */
  readonly module: string;
  readonly role: KeyRole;
  readonly style: KeyStyle;
}

interface SuffixRule {
  readonly re: RegExp;
  readonly role: (m: RegExpExecArray) => KeyRole;
  readonly style: KeyStyle;
}

const fixed = (kind: "A" | "B" | "bias" | "alpha" | "route" | "dora") => (): KeyRole => ({ kind });

/** Longest, most specific suffixes first. */
const SUFFIXES: readonly SuffixRule[] = [
  { re: /\.lora_A\.expert_(\d+)\.weight$/, role: (m) => ({ kind: "expertA", expert: Number(m[1]) }), style: "peft" },
  { re: /\.lora_B\.expert_(\d+)\.weight$/, role: (m) => ({ kind: "expertB", expert: Number(m[1]) }), style: "peft" },
  { re: /\.lora_route\.weight$/, role: fixed("route"), style: "peft" },
  { re: /\.lora_A\.weight$/, role: fixed("A"), style: "peft" },
  { re: /\.lora_B\.weight$/, role: fixed("B"), style: "peft" },
  { re: /\.lora_B\.bias$/, role: fixed("bias"), style: "peft" },
  { re: /\.lora_down\.weight$/, role: fixed("A"), style: "kohya" },
  { re: /\.lora_up\.weight$/, role: fixed("B"), style: "kohya" },
  { re: /\.lora\.down\.weight$/, role: fixed("A"), style: "peft" },
  { re: /\.lora\.up\.weight$/, role: fixed("B"), style: "peft" },
  { re: /(?<=\.processor\.[a-z_]*lora\d?)\.down\.weight$/, role: fixed("A"), style: "xlabs" },
  { re: /(?<=\.processor\.[a-z_]*lora\d?)\.up\.weight$/, role: fixed("B"), style: "xlabs" },
  { re: /\.alpha$/, role: fixed("alpha"), style: "peft" },
  { re: /\.(dora_scale|lora_magnitude_vector)$/, role: fixed("dora"), style: "peft" },
];

/** The role and module of `key`, or null when it is no adapter key this project knows. */
export function parseKey(key: string): ParsedKey | null {
  for (const rule of SUFFIXES) {
    const m = rule.re.exec(key);
    if (!m) continue;
    return { key, module: key.slice(0, m.index), role: rule.role(m), style: rule.style };
  }
  return null;
}

/** Prefixes that wrap a transformer module name in the various formats. */
const PREFIXES: readonly string[] = [
  "transformer.",
  "base_model.model.",
  "model.diffusion_model.",
  "diffusion_model.",
  "lora_unet_",
  "lora_transformer_",
];

/** Strips wrapper prefixes ("transformer.", "diffusion_model.", "lora_unet_", ...), repeatedly. */
export function stripModulePrefixes(module: string): string {
  let name = module;
  for (let changed = true; changed; ) {
    changed = false;
    for (const prefix of PREFIXES) {
      if (name.startsWith(prefix) && name.length > prefix.length) {
        name = name.slice(prefix.length);
        changed = true;
      }
    }
  }
  return name;
}

/** Keys of a text encoder (diffusers text_encoder*, kohya lora_te*, ComfyUI text_encoders.*). */
export function isTextEncoderKey(key: string): boolean {
  return /^(text_encoders?(_\d)?[._]|lora_te\d*_|te\d?\.text_model\.)/.test(key);
}
