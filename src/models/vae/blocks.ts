/**
 * The VAE's building blocks (BFL modules/autoencoder.py): ResnetBlock, AttnBlock, Downsample,
 * Upsample. Module paths are the BFL checkpoint keys.
 */
import type { Value } from "../../onnx/graph.js";
import { add, multiHeadAttention, reshape, reshapeTo, resizeNearest, shapeOf, silu, transpose } from "../../onnx/ops/index.js";
import { Conv2d } from "../../nn/conv.js";
import { GroupNorm } from "../../nn/group-norm.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { VAE_NORM_EPS, VAE_NORM_GROUPS } from "./params.js";

/** swish(x) = x * sigmoid(x). */
export const swish = silu;

export function vaeNorm(path: string, channels: number): GroupNorm {
  return new GroupNorm(path, VAE_NORM_GROUPS, channels, VAE_NORM_EPS);
}

/** norm1 -> swish -> conv1 -> norm2 -> swish -> conv2, plus x (through a 1x1 nin_shortcut when the width changes). */
export class ResnetBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly ninShortcut: Conv2d | null;

  constructor(
    path: string,
    readonly inChannels: number,
    readonly outChannels: number,
  ) {
    super(path);
    this.norm1 = this.child(vaeNorm(this.sub("norm1"), inChannels));
    this.conv1 = this.child(new Conv2d(this.sub("conv1"), inChannels, outChannels, 3, { padding: 1 }));
    this.norm2 = this.child(vaeNorm(this.sub("norm2"), outChannels));
    this.conv2 = this.child(new Conv2d(this.sub("conv2"), outChannels, outChannels, 3, { padding: 1 }));
    this.ninShortcut = inChannels === outChannels ? null : this.child(new Conv2d(this.sub("nin_shortcut"), inChannels, outChannels, 1));
  }

  /** x: [B, in, H, W] -> [B, out, H, W]. */
  forward(ctx: BuildContext, x: Value): Value {
    let h = this.conv1.forward(ctx, swish(this.norm1.forward(ctx, x)));
    h = this.conv2.forward(ctx, swish(this.norm2.forward(ctx, h)));
    const skip = this.ninShortcut ? this.ninShortcut.forward(ctx, x) : x;
    return add(skip, h);
  }
}

/** Single-head self-attention over the h*w positions (scale 1/sqrt(C)), 1x1 q/k/v/proj_out convs, residual. */
export class AttnBlock extends Module {
  readonly norm: GroupNorm;
  readonly q: Conv2d;
  readonly k: Conv2d;
  readonly v: Conv2d;
  readonly projOut: Conv2d;

  constructor(
    path: string,
    readonly channels: number,
  ) {
    super(path);
    this.norm = this.child(vaeNorm(this.sub("norm"), channels));
    this.q = this.child(new Conv2d(this.sub("q"), channels, channels, 1));
    this.k = this.child(new Conv2d(this.sub("k"), channels, channels, 1));
    this.v = this.child(new Conv2d(this.sub("v"), channels, channels, 1));
    this.projOut = this.child(new Conv2d(this.sub("proj_out"), channels, channels, 1));
  }

  /** x: [B, C, h, w] -> [B, C, h, w]. */
  forward(ctx: BuildContext, x: Value): Value {
    const h = this.norm.forward(ctx, x);
    // [B, C, h, w] -> [B, h*w, C]: one head of width C over the positions.
    const tokens = (conv: Conv2d): Value => transpose(reshape(conv.forward(ctx, h), [0, this.channels, -1]), [0, 2, 1]);
    const attn = multiHeadAttention(tokens(this.q), tokens(this.k), tokens(this.v), 1, 1 / Math.sqrt(this.channels));
    const back = reshapeTo(transpose(attn, [0, 2, 1]), shapeOf(x), x.shape);
    return add(x, this.projOut.forward(ctx, back));
  }
}

/** Zero-pad right and bottom by 1, then a stride-2 3x3 conv: [B, C, H, W] -> [B, C, floor(H/2), floor(W/2)]. */
export class Downsample extends Module {
  readonly conv: Conv2d;

  constructor(path: string, channels: number) {
    super(path);
    // ONNX Conv takes the asymmetric pad itself ([top, left, bottom, right]): no separate Pad node.
    this.conv = this.child(new Conv2d(this.sub("conv"), channels, channels, 3, { stride: 2, padding: [0, 0, 1, 1] }));
  }

  /** x: [B, C, H, W] -> [B, C, floor(H/2), floor(W/2)]. */
  forward(ctx: BuildContext, x: Value): Value {
    return this.conv.forward(ctx, x);
  }
}

/** Nearest x2, then a 3x3 conv: [B, C, H, W] -> [B, C, 2H, 2W]. */
export class Upsample extends Module {
  readonly conv: Conv2d;

  constructor(path: string, channels: number) {
    super(path);
    this.conv = this.child(new Conv2d(this.sub("conv"), channels, channels, 3, { padding: 1 }));
  }

  /** x: [B, C, H, W] -> [B, C, 2H, 2W]. */
  forward(ctx: BuildContext, x: Value): Value {
    return this.conv.forward(ctx, resizeNearest(x, 2));
  }
}

/** mid: block_1 -> attn_1 -> block_2, all at the lowest resolution's width. */
export class MidBlock extends Module {
  readonly block1: ResnetBlock;
  readonly attn1: AttnBlock;
  readonly block2: ResnetBlock;

  constructor(path: string, channels: number) {
    super(path);
    this.block1 = this.child(new ResnetBlock(this.sub("block_1"), channels, channels));
    this.attn1 = this.child(new AttnBlock(this.sub("attn_1"), channels));
    this.block2 = this.child(new ResnetBlock(this.sub("block_2"), channels, channels));
  }

  /** x: [B, C, h, w] -> [B, C, h, w]. */
  forward(ctx: BuildContext, x: Value): Value {
    return this.block2.forward(ctx, this.attn1.forward(ctx, this.block1.forward(ctx, x)));
  }
}
