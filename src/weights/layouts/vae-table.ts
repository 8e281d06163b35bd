/**
 * VAE keys: BFL AutoEncoder names (ae.safetensors) <-> diffusers AutoencoderKL names
 * (vae/diffusion_pytorch_model.safetensors), as diffusers' convert_ldm_vae_checkpoint maps them
 * (docs/flux-fill.md §5.6). `{i}` is a resolution level, `{j}` a ResnetBlock in it, and
 * `{L-1-i}` the level counted from the other end (diffusers numbers the decoder's up blocks in
 * the order they run: up_blocks.0 is BFL's up.{L-1}), with L the number of levels.
 */

/** `squeeze_1x1`: BFL's 1x1 conv weight [C, C, 1, 1] is a diffusers linear weight [C, C]. */
export type VaeTransform = "none" | "squeeze_1x1";

export interface VaeKeyRow {
  readonly bfl: string;
  readonly diffusers: string;
  readonly transform: VaeTransform;
}

/** A layer with .weight and .bias (conv or GroupNorm); `weight` transforms the weight only. */
function layer(bfl: string, diffusers: string, weight: VaeTransform = "none"): VaeKeyRow[] {
  return [
    { bfl: `${bfl}.weight`, diffusers: `${diffusers}.weight`, transform: weight },
    { bfl: `${bfl}.bias`, diffusers: `${diffusers}.bias`, transform: "none" },
  ];
}

function resnet(bfl: string, diffusers: string): VaeKeyRow[] {
  return [
    ...layer(`${bfl}.norm1`, `${diffusers}.norm1`),
    ...layer(`${bfl}.conv1`, `${diffusers}.conv1`),
    ...layer(`${bfl}.norm2`, `${diffusers}.norm2`),
    ...layer(`${bfl}.conv2`, `${diffusers}.conv2`),
    ...layer(`${bfl}.nin_shortcut`, `${diffusers}.conv_shortcut`),
  ];
}

function attention(bfl: string, diffusers: string): VaeKeyRow[] {
  return [
    ...layer(`${bfl}.norm`, `${diffusers}.group_norm`),
    ...layer(`${bfl}.q`, `${diffusers}.to_q`, "squeeze_1x1"),
    ...layer(`${bfl}.k`, `${diffusers}.to_k`, "squeeze_1x1"),
    ...layer(`${bfl}.v`, `${diffusers}.to_v`, "squeeze_1x1"),
    ...layer(`${bfl}.proj_out`, `${diffusers}.to_out.0`, "squeeze_1x1"),
  ];
}

function mid(half: "encoder" | "decoder"): VaeKeyRow[] {
  return [
    ...resnet(`${half}.mid.block_1`, `${half}.mid_block.resnets.0`),
    ...attention(`${half}.mid.attn_1`, `${half}.mid_block.attentions.0`),
    ...resnet(`${half}.mid.block_2`, `${half}.mid_block.resnets.1`),
  ];
}

function ends(half: "encoder" | "decoder"): VaeKeyRow[] {
  return [...layer(`${half}.norm_out`, `${half}.conv_norm_out`), ...layer(`${half}.conv_out`, `${half}.conv_out`)];
}

export const VAE_KEY_TABLE: readonly VaeKeyRow[] = [
  ...layer("encoder.conv_in", "encoder.conv_in"),
  ...resnet("encoder.down.{i}.block.{j}", "encoder.down_blocks.{i}.resnets.{j}"),
  ...layer("encoder.down.{i}.downsample.conv", "encoder.down_blocks.{i}.downsamplers.0.conv"),
  ...mid("encoder"),
  ...ends("encoder"),

  ...layer("decoder.conv_in", "decoder.conv_in"),
  ...mid("decoder"),
  ...resnet("decoder.up.{i}.block.{j}", "decoder.up_blocks.{L-1-i}.resnets.{j}"),
  ...layer("decoder.up.{i}.upsample.conv", "decoder.up_blocks.{L-1-i}.upsamplers.0.conv"),
  ...ends("decoder"),
];
