/**
 * The VAE encoder (BFL Encoder): conv_in, one level per ch_mult entry (num_res_blocks ResnetBlocks,
 * then a Downsample except on the last level), the mid block, norm_out -> swish -> conv_out to the
 * 2*z moments (mean | logvar).
 */
import type { Value } from "../../onnx/graph.js";
import { Conv2d } from "../../nn/conv.js";
import type { GroupNorm } from "../../nn/group-norm.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { Downsample, MidBlock, ResnetBlock, swish, vaeNorm } from "./blocks.js";
import { validateVaeParams, type VaeParams } from "./params.js";

/** One resolution level: `block.{j}` and an optional `downsample`. */
export class DownLevel extends Module {
  readonly blocks: ResnetBlock[];
  readonly downsample: Downsample | null;

  constructor(path: string, inChannels: number, outChannels: number, numBlocks: number, downsample: boolean) {
    super(path);
    this.blocks = Array.from({ length: numBlocks }, (_, j) =>
      this.child(new ResnetBlock(this.sub(`block.${j}`), j === 0 ? inChannels : outChannels, outChannels)),
    );
    this.downsample = downsample ? this.child(new Downsample(this.sub("downsample"), outChannels)) : null;
  }

  /** x: [B, in, H, W] -> [B, out, H', W'] (H' = floor(H/2) with a downsample). */
  forward(ctx: BuildContext, x: Value): Value {
    const h = this.blocks.reduce((acc, block) => block.forward(ctx, acc), x);
    return this.downsample ? this.downsample.forward(ctx, h) : h;
  }
}

export class Encoder extends Module {
  readonly convIn: Conv2d;
  readonly down: DownLevel[];
  readonly mid: MidBlock;
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  constructor(
    readonly params: VaeParams,
    path = "encoder",
  ) {
    super(path);
    const { levels, midChannels } = validateVaeParams(params);
    const { ch, chMult } = params;
    this.convIn = this.child(new Conv2d(this.sub("conv_in"), params.inChannels, ch, 3, { padding: 1 }));
    this.down = chMult.map((mult, i) => {
      const inCh = ch * (i === 0 ? 1 : (chMult[i - 1] as number));
      return this.child(new DownLevel(this.sub(`down.${i}`), inCh, ch * mult, params.numResBlocks, i !== levels - 1));
    });
    this.mid = this.child(new MidBlock(this.sub("mid"), midChannels));
    this.normOut = this.child(vaeNorm(this.sub("norm_out"), midChannels));
    this.convOut = this.child(new Conv2d(this.sub("conv_out"), midChannels, 2 * params.zChannels, 3, { padding: 1 }));
  }

  /** image: [B, in_channels, H, W] -> moments: [B, 2z, H/f, W/f] (f = 2^(levels-1)). */
  forward(ctx: BuildContext, image: Value): Value {
    let h = this.convIn.forward(ctx, image);
    for (const level of this.down) h = level.forward(ctx, h);
    h = this.mid.forward(ctx, h);
    return this.convOut.forward(ctx, swish(this.normOut.forward(ctx, h)));
  }
}
