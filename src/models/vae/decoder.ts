/**
 * The VAE decoder (BFL Decoder): conv_in from z channels, the mid block, then the levels from the
 * lowest resolution up (`up.{levels-1}` first), each with num_res_blocks + 1 ResnetBlocks and an
 * Upsample except on level 0, then norm_out -> swish -> conv_out.
 */
import type { Value } from "../../onnx/graph.js";
import { Conv2d } from "../../nn/conv.js";
import type { GroupNorm } from "../../nn/group-norm.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { MidBlock, ResnetBlock, Upsample, swish, vaeNorm } from "./blocks.js";
import { validateVaeParams, type VaeParams } from "./params.js";

/** One resolution level: `block.{j}` and an optional `upsample`. */
export class UpLevel extends Module {
  readonly blocks: ResnetBlock[];
  readonly upsample: Upsample | null;

  constructor(path: string, inChannels: number, outChannels: number, numBlocks: number, upsample: boolean) {
    super(path);
    this.blocks = Array.from({ length: numBlocks }, (_, j) =>
      this.child(new ResnetBlock(this.sub(`block.${j}`), j === 0 ? inChannels : outChannels, outChannels)),
    );
    this.upsample = upsample ? this.child(new Upsample(this.sub("upsample"), outChannels)) : null;
  }

  /** x: [B, in, H, W] -> [B, out, 2H, 2W] (or [B, out, H, W] without an upsample). */
  forward(ctx: BuildContext, x: Value): Value {
    const h = this.blocks.reduce((acc, block) => block.forward(ctx, acc), x);
    return this.upsample ? this.upsample.forward(ctx, h) : h;
  }
}

export class Decoder extends Module {
  readonly convIn: Conv2d;
  readonly mid: MidBlock;
  /** Indexed by level as in the checkpoint (up[0] is the full-resolution level, run last). */
  readonly up: UpLevel[];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  constructor(
    readonly params: VaeParams,
    path = "decoder",
  ) {
    super(path);
    const { levels, midChannels } = validateVaeParams(params);
    const { ch, chMult } = params;
    this.convIn = this.child(new Conv2d(this.sub("conv_in"), params.zChannels, midChannels, 3, { padding: 1 }));
    this.mid = this.child(new MidBlock(this.sub("mid"), midChannels));
    // Declared in checkpoint order (up.0 first); level i takes the width of level i+1 (mid for the top one).
    this.up = chMult.map((mult, i) => {
      const inCh = i === levels - 1 ? midChannels : ch * (chMult[i + 1] as number);
      return this.child(new UpLevel(this.sub(`up.${i}`), inCh, ch * mult, params.numResBlocks + 1, i !== 0));
    });
    this.normOut = this.child(vaeNorm(this.sub("norm_out"), ch * (chMult[0] as number)));
    this.convOut = this.child(new Conv2d(this.sub("conv_out"), ch * (chMult[0] as number), params.outCh, 3, { padding: 1 }));
  }

  /** z: [B, z, h, w] (unscaled) -> image: [B, out_ch, h*f, w*f]. */
  forward(ctx: BuildContext, z: Value): Value {
    let h = this.mid.forward(ctx, this.convIn.forward(ctx, z));
    for (let i = this.up.length - 1; i >= 0; i--) h = (this.up[i] as UpLevel).forward(ctx, h);
    return this.convOut.forward(ctx, swish(this.normOut.forward(ctx, h)));
  }
}
