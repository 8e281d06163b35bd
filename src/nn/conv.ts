/** 2-D convolution with torch's Conv2d parameters: weight [out, in, k, k], bias [out]. */
import type { Value } from "../onnx/graph.js";
import { conv } from "../onnx/ops/index.js";
import { type BuildContext, Module, type ParamSpec } from "./module.js";

export interface Conv2dOptions {
  readonly stride?: number;
  /**
   * Zero padding: one number for all four sides (torch's `padding`), or ONNX order
   * [top, left, bottom, right] for asymmetric padding.
   */
  readonly padding?: number | readonly [number, number, number, number];
  readonly bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | null;
  readonly stride: number;
  readonly pads: readonly number[];

  constructor(
    path: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    options: Conv2dOptions = {},
  ) {
    super(path);
    this.weight = this.param("weight", [outChannels, inChannels, kernel, kernel]);
    this.bias = options.bias === false ? null : this.param("bias", [outChannels]);
    this.stride = options.stride ?? 1;
    const p = options.padding ?? 0;
    this.pads = typeof p === "number" ? [p, p, p, p] : [...p];
  }

  /** x: [B, in, H, W] -> [B, out, H', W']. */
  forward(ctx: BuildContext, x: Value): Value {
    const b = this.bias ? ctx.param(this.bias) : null;
    return conv(x, ctx.param(this.weight), b, { strides: [this.stride, this.stride], pads: this.pads });
  }
}
