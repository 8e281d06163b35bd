/** FLUX double-stream block: separate weights for image and text, joint attention over [txt; img]. */
import type { Value } from "../../onnx/graph.js";
import { add, concat, gelu, mul, splitLike } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { type BuildContext, Module } from "../../nn/module.js";
import { modulatedNorm } from "../../nn/norms.js";
import { Modulation, NORM_EPS, QKNorm, normQKV, ropeAttention, type ModulationOut, type QKV, type Rope } from "./layers.js";

/** One stream's weights: X_mod, X_attn.{qkv, norm, proj}, X_mlp.{0, 2}. */
class Stream extends Module {
  readonly mod: Modulation;
  readonly qkv: Linear;
  readonly norm: QKNorm;
  readonly proj: Linear;
  readonly mlpIn: Linear;
  readonly mlpOut: Linear;

  constructor(
    block: string,
    name: "img" | "txt",
    readonly dim: number,
    readonly heads: number,
    mlpHidden: number,
    qkvBias: boolean,
  ) {
    super(block);
    this.mod = this.child(new Modulation(this.sub(`${name}_mod`), dim, true));
    this.qkv = this.child(new Linear(this.sub(`${name}_attn.qkv`), dim, 3 * dim, qkvBias));
    this.norm = this.child(new QKNorm(this.sub(`${name}_attn.norm`), dim / heads));
    this.proj = this.child(new Linear(this.sub(`${name}_attn.proj`), dim, dim));
    this.mlpIn = this.child(new Linear(this.sub(`${name}_mlp.0`), dim, mlpHidden));
    this.mlpOut = this.child(new Linear(this.sub(`${name}_mlp.2`), mlpHidden, dim));
  }

  /** x: [B, S, D] -> normalised q, k, v [B, S, D] each. */
  attentionInputs(ctx: BuildContext, x: Value, m1: ModulationOut): QKV {
    const modulated = modulatedNorm(ctx, x, m1.shift, m1.scale, this.dim, NORM_EPS);
    // q, k and v as three products on the weight's rows: no Split copies the [B, S, 3D] output.
    const [q, k, v] = this.qkv.forwardRows(ctx, modulated, [this.dim, this.dim, this.dim]) as [Value, Value, Value];
    return normQKV(ctx, { q, k, v }, this.norm, this.heads);
  }

  /** x, attn: [B, S, D] -> [B, S, D]: gated attention projection, then the gated MLP. */
  residuals(ctx: BuildContext, x: Value, attn: Value, m1: ModulationOut, m2: ModulationOut): Value {
    const afterAttn = add(x, mul(m1.gate, this.proj.forward(ctx, attn)));
    const modulated = modulatedNorm(ctx, afterAttn, m2.shift, m2.scale, this.dim, NORM_EPS);
    const mlp = this.mlpOut.forward(ctx, gelu(this.mlpIn.forward(ctx, modulated), "tanh"));
    return add(afterAttn, mul(m2.gate, mlp));
  }
}

export class DoubleStreamBlock extends Module {
  readonly img: Stream;
  readonly txt: Stream;

  constructor(
    path: string,
    dim: number,
    readonly heads: number,
    mlpHidden: number,
    qkvBias: boolean,
  ) {
    super(path);
    this.img = this.child(new Stream(path, "img", dim, heads, mlpHidden, qkvBias));
    this.txt = this.child(new Stream(path, "txt", dim, heads, mlpHidden, qkvBias));
  }

  /** img: [B, L, D], vec: [B, D] -> [B, L, D]: the image stream's first modulated norm (what its attention reads). */
  imgModulatedInput(ctx: BuildContext, img: Value, vec: Value): Value {
    const [m1] = this.img.mod.forward(ctx, vec) as [ModulationOut];
    return modulatedNorm(ctx, img, m1.shift, m1.scale, this.img.dim, NORM_EPS);
  }

  /** img: [B, L, D], txt: [B, T, D], vec: [B, D], pe over T+L tokens -> new (img, txt). */
  forward(ctx: BuildContext, img: Value, txt: Value, vec: Value, pe: Rope, tapPrefix: string): { img: Value; txt: Value } {
    const [img1, img2] = this.img.mod.forward(ctx, vec) as [ModulationOut, ModulationOut];
    const [txt1, txt2] = this.txt.mod.forward(ctx, vec) as [ModulationOut, ModulationOut];
    const imgQKV = this.img.attentionInputs(ctx, img, img1);
    const txtQKV = this.txt.attentionInputs(ctx, txt, txt1);
    const joint: QKV = {
      q: concat([txtQKV.q, imgQKV.q], 1),
      k: concat([txtQKV.k, imgQKV.k], 1),
      v: concat([txtQKV.v, imgQKV.v], 1),
    };
    const attn = ropeAttention(joint, pe, this.heads);
    const [txtAttn, imgAttn] = splitLike(attn, 1, [txt, img]) as [Value, Value];
    ctx.tap(`${tapPrefix}_img_attn`, imgAttn);
    ctx.tap(`${tapPrefix}_txt_attn`, txtAttn);
    return {
      img: this.img.residuals(ctx, img, imgAttn, img1, img2),
      txt: this.txt.residuals(ctx, txt, txtAttn, txt1, txt2),
    };
  }
}
