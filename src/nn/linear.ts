/** Linear layer with torch's [out, in] weight layout: y = x W^T + b (+ adapter branches). */
import type { Value } from "../onnx/graph.js";
import { concat, gemmTransB, matMulNBits, reshape, reshapeTo, shapeOf, slice, split } from "../onnx/ops/index.js";
import { constI64 } from "../onnx/ops/constants.js";
import { adaptersOf } from "./adapter-context.js";
import { type BuildContext, Module, type ParamSpec, type QuantizedWeight } from "./module.js";

export class Linear extends Module {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec | null;

  constructor(
    path: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super(path);
    this.weight = this.param("weight", [outFeatures, inFeatures]);
    this.bias = bias ? this.param("bias", [outFeatures]) : null;
  }

  /**
   * x: [..., in] -> [..., out]. Leading dims are flattened for one Gemm (bias fused, weight not
   * transposed); adapters of this layer (an AdapterBuildContext) add their branches to it.
   */
  forward(ctx: BuildContext, x: Value): Value {
    const b = this.bias ? ctx.param(this.bias) : null;
    const flat = x.shape.length === 2 ? x : reshape(x, [-1, this.inFeatures]);
    let y = this.product(this.weightOf(ctx), flat, b);
    const adapters = adaptersOf(ctx);
    if (adapters) y = adapters.apply(ctx, this, flat, y, x);
    if (x.shape.length === 2) return y;
    const lead = shapeOf(x, 0, x.shape.length - 1);
    const target = concat([lead, constI64(x.graph, [this.outFeatures])], 0);
    return reshapeTo(y, target, [...x.shape.slice(0, -1), this.outFeatures]);
  }

  /**
   * x: [..., in] -> one [..., size] per entry of `sizes` (summing to out): the weight's rows in
   * order, each range its own product on a Slice of the weight (constant-folded by ONNX Runtime at
   * session creation), so no Split copies the whole output. Each output element is the same dot
   * product as in forward(), so the outputs are the same. Adapters add their branches per range
   * where they can (plain LoRA whose up blocks each lie inside one range); otherwise (MoE-LoRA,
   * whose routing mixes the whole output) it is forward() and a Split.
   */
  forwardRows(ctx: BuildContext, x: Value, sizes: readonly number[]): Value[] {
    if (sizes.reduce((a, b) => a + b, 0) !== this.outFeatures) {
      throw new Error(`${this.path}: row ranges ${sizes.join("+")} do not add up to its ${this.outFeatures} outputs`);
    }
    const adapters = adaptersOf(ctx);
    const branches = adapters ? (adapters.applyRows?.(this, sizes) ?? null) : (_x: Value, ys: readonly Value[]) => [...ys];
    if (!branches) return split(this.forward(ctx, x), sizes, -1);
    const b = this.bias ? ctx.param(this.bias) : null;
    const weight = this.weightOf(ctx);
    const flat = x.shape.length === 2 ? x : reshape(x, [-1, this.inFeatures]);
    let start = 0;
    const ys = sizes.map((size) => {
      const rows = { start, end: start + size };
      start += size;
      return this.product(weight, flat, b, rows);
    });
    const adapted = branches(flat, ys);
    if (x.shape.length === 2) return adapted;
    const lead = shapeOf(x, 0, x.shape.length - 1);
    return adapted.map((y, i) => {
      const size = sizes[i] as number;
      return reshapeTo(y, concat([lead, constI64(x.graph, [size])], 0), [...x.shape.slice(0, -1), size]);
    });
  }

  /** The weight as bound: MatMulNBits codes when the binder quantized it, else the float [out, in] value. */
  private weightOf(ctx: BuildContext): Value | QuantizedWeight {
    return ctx.quantized(this.weight) ?? ctx.param(this.weight);
  }

  /**
   * flat: [N, in] -> [N, out] (or [N, end - start] for a row range of the weight): Gemm on float
   * weights, or MatMulNBits on quantized ones.
   */
  private product(weight: Value | QuantizedWeight, flat: Value, bias: Value | null, rows?: { start: number; end: number }): Value {
    const take = (v: Value): Value => (rows ? slice(v, 0, rows.start, rows.end) : v);
    const b = bias ? take(bias) : null;
    if (!("bits" in weight)) return gemmTransB(flat, take(weight), b);
    const q = weight;
    return matMulNBits(flat, take(q.b), take(q.scales), q.zeroPoints ? take(q.zeroPoints) : null, {
      K: this.inFeatures,
      N: rows ? rows.end - rows.start : this.outFeatures,
      bits: q.bits,
      blockSize: q.blockSize,
      accuracyLevel: q.accuracyLevel,
      bias: b ?? undefined,
    });
  }
}
