/**
 * FLUX transformer keys: BFL checkpoint names <-> diffusers FluxTransformer2DModel names
 * (docs/flux-fill.md §1.3). One row per key; `{i}` is a block index. Sizes in `split` are
 * symbolic and resolved from the checkpoint's shapes (flux-sizes.ts).
 */

/** D = hidden size, mlp = MLP hidden size. */
export type SizeName = "D" | "mlp";

export type Transform =
  /** Same tensor, another name. */
  | { readonly kind: "none" }
  /** The BFL tensor's rows are the diffusers tensors stacked in order, with these row counts. */
  | { readonly kind: "split"; readonly sizes: readonly SizeName[] }
  /** Rows [a; b] <-> [b; a] (BFL [shift; scale], diffusers [scale; shift]). */
  | { readonly kind: "swapHalves" };

export interface KeyRow {
  readonly bfl: string;
  readonly diffusers: readonly string[];
  readonly transform: Transform;
}

const NONE: Transform = { kind: "none" };
const QKV: Transform = { kind: "split", sizes: ["D", "D", "D"] };
const QKV_MLP: Transform = { kind: "split", sizes: ["D", "D", "D", "mlp"] };
const SWAP: Transform = { kind: "swapHalves" };

/** A linear layer: one row for .weight and one for .bias, with the same transform. */
function linear(bfl: string, diffusers: string | readonly string[], transform: Transform = NONE): KeyRow[] {
  const parts = typeof diffusers === "string" ? [diffusers] : diffusers;
  return ["weight", "bias"].map((p) => ({ bfl: `${bfl}.${p}`, diffusers: parts.map((d) => `${d}.${p}`), transform }));
}

function rename(bfl: string, diffusers: string): KeyRow {
  return { bfl, diffusers: [diffusers], transform: NONE };
}

const D = "transformer_blocks.{i}";
const S = "single_transformer_blocks.{i}";

export const FLUX_KEY_TABLE: readonly KeyRow[] = [
  ...linear("img_in", "x_embedder"),
  ...linear("txt_in", "context_embedder"),
  ...linear("time_in.in_layer", "time_text_embed.timestep_embedder.linear_1"),
  ...linear("time_in.out_layer", "time_text_embed.timestep_embedder.linear_2"),
  ...linear("guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1"),
  ...linear("guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2"),
  ...linear("vector_in.in_layer", "time_text_embed.text_embedder.linear_1"),
  ...linear("vector_in.out_layer", "time_text_embed.text_embedder.linear_2"),
  ...linear("final_layer.linear", "proj_out"),
  ...linear("final_layer.adaLN_modulation.1", "norm_out.linear", SWAP),

  ...linear("double_blocks.{i}.img_mod.lin", `${D}.norm1.linear`),
  ...linear("double_blocks.{i}.txt_mod.lin", `${D}.norm1_context.linear`),
  ...linear("double_blocks.{i}.img_attn.qkv", [`${D}.attn.to_q`, `${D}.attn.to_k`, `${D}.attn.to_v`], QKV),
  ...linear("double_blocks.{i}.txt_attn.qkv", [`${D}.attn.add_q_proj`, `${D}.attn.add_k_proj`, `${D}.attn.add_v_proj`], QKV),
  rename("double_blocks.{i}.img_attn.norm.query_norm.scale", `${D}.attn.norm_q.weight`),
  rename("double_blocks.{i}.img_attn.norm.key_norm.scale", `${D}.attn.norm_k.weight`),
  rename("double_blocks.{i}.txt_attn.norm.query_norm.scale", `${D}.attn.norm_added_q.weight`),
  rename("double_blocks.{i}.txt_attn.norm.key_norm.scale", `${D}.attn.norm_added_k.weight`),
  ...linear("double_blocks.{i}.img_attn.proj", `${D}.attn.to_out.0`),
  ...linear("double_blocks.{i}.txt_attn.proj", `${D}.attn.to_add_out`),
  ...linear("double_blocks.{i}.img_mlp.0", `${D}.ff.net.0.proj`),
  ...linear("double_blocks.{i}.img_mlp.2", `${D}.ff.net.2`),
  ...linear("double_blocks.{i}.txt_mlp.0", `${D}.ff_context.net.0.proj`),
  ...linear("double_blocks.{i}.txt_mlp.2", `${D}.ff_context.net.2`),

  ...linear("single_blocks.{i}.modulation.lin", `${S}.norm.linear`),
  ...linear("single_blocks.{i}.linear1", [`${S}.attn.to_q`, `${S}.attn.to_k`, `${S}.attn.to_v`, `${S}.proj_mlp`], QKV_MLP),
  rename("single_blocks.{i}.norm.query_norm.scale", `${S}.attn.norm_q.weight`),
  rename("single_blocks.{i}.norm.key_norm.scale", `${S}.attn.norm_k.weight`),
  ...linear("single_blocks.{i}.linear2", `${S}.proj_out`),
];
