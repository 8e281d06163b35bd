/**
 * The adapters of one graph build: for each adapted linear layer (by module path) the fused LoRA
 * and MoE-LoRA branches of each adapter. Adapter a's run-time scale is element a of a graph input
 * (`lora_scales` [numAdapters]), so changing a scale needs no rebuild.
 */
import type { Value } from "../onnx/graph.js";
import { constI64, gather, reshapeTo, concat, shapeOf } from "../onnx/ops/index.js";
import type { LinearAdapters, LinearSite } from "./adapter-context.js";
import { lowRankBranch, lowRankBranchRows, lowRankConstants, tileRanges, type FusedLowRank } from "./lora.js";
import type { BuildContext } from "./module.js";
import { moeBranch, moeConstants, type FusedMoe } from "./moe.js";

export interface MoeBranchSpec extends FusedMoe {
  /** Tap name of the routing weights ([..., E], the input's leading dims), or null. */
  readonly tap: string | null;
}

/** What one adapter adds to one linear layer. */
export interface LinearAdapter {
  /** Index into the scales input. */
  readonly scaleIndex: number;
  readonly lowRank: FusedLowRank | null;
  readonly moe: readonly MoeBranchSpec[];
}

export class LinearAdapterSet implements LinearAdapters {
  private readonly scaleValues = new Map<number, Value>();

  /** `scales`: the f32 [numAdapters] graph input. */
  constructor(
    private readonly layers: ReadonlyMap<string, readonly LinearAdapter[]>,
    private readonly scales: Value,
  ) {}

  private scale(index: number): Value {
    let value = this.scaleValues.get(index);
    if (!value) {
      value = gather(this.scales, constI64(this.scales.graph, [index], [], "adapter_index"));
      this.scaleValues.set(index, value);
    }
    return value;
  }

  /** Plain LoRA whose up blocks fit the ranges (a MoE branch routes over the whole output): see LinearAdapters.applyRows. */
  applyRows(site: LinearSite, sizes: readonly number[]): ((x: Value, ys: readonly Value[]) => Value[]) | null {
    const adapters = this.layers.get(site.path) ?? [];
    const plans = adapters.map((a) =>
      a.lowRank && a.moe.length === 0 && !a.lowRank.bias ? tileRanges(a.lowRank.blocks, a.lowRank.outFeatures, sizes) : null,
    );
    if (plans.some((p) => p === null)) return null;
    return (x, ys) => {
      let out = [...ys];
      adapters.forEach((adapter, i) => {
        const name = `adapter${adapter.scaleIndex}.${site.path}`;
        const w = lowRankConstants(x.graph, adapter.lowRank as FusedLowRank, name);
        out = lowRankBranchRows(x, out, plans[i] as number[], w, this.scale(adapter.scaleIndex));
      });
      return out;
    };
  }

  apply(ctx: BuildContext, site: LinearSite, x: Value, y: Value, input: Value): Value {
    let out = y;
    for (const adapter of this.layers.get(site.path) ?? []) {
      const name = `adapter${adapter.scaleIndex}.${site.path}`;
      const s = this.scale(adapter.scaleIndex);
      if (adapter.lowRank) out = lowRankBranch(x, out, lowRankConstants(x.graph, adapter.lowRank, name), s);
      adapter.moe.forEach((spec, i) => {
        const branch = moeBranch(x, out, moeConstants(x.graph, spec, `${name}.moe${i}`), s);
        out = branch.y;
        if (spec.tap) {
          const lead = shapeOf(input, 0, input.shape.length - 1);
          const shape = concat([lead, constI64(x.graph, [spec.experts])], 0);
          ctx.tap(spec.tap, reshapeTo(branch.weights, shape, [...input.shape.slice(0, -1), spec.experts]));
        }
      });
    }
    return out;
  }
}
