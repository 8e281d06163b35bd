/**
 * The adapters of a training graph: the same branches as inference (nn/lora.ts, nn/moe.ts), on
 * values made from the graph inputs that hold the adapter's tensors, at scale 1.
 */
import type { LinearAdapters, LinearSite } from "../../nn/adapter-context.js";
import { lowRankBranch } from "../../nn/lora.js";
import type { BuildContext } from "../../nn/module.js";
import { moeBranch } from "../../nn/moe.js";
import type { Value } from "../../onnx/graph.js";
import { TrainableAdapterError } from "./errors.js";
import type { MoeModule, PlainModule } from "./modules.js";
import { moeValues, plainValues } from "./branch-values.js";
import type { TrainableAdapter } from "./trainable-adapter.js";

interface LayerModules {
  readonly plain: PlainModule[];
  readonly moe: MoeModule[];
}

export class TrainableAdapterSet implements LinearAdapters {
  private readonly layers = new Map<string, LayerModules>();
  private readonly applied = new Set<string>();

  /** `inputs`: the graph input of every key of `adapter`. */
  constructor(
    adapter: TrainableAdapter,
    private readonly inputs: ReadonlyMap<string, Value>,
  ) {
    for (const m of adapter.modules) {
      let layer = this.layers.get(m.target.linear);
      if (!layer) {
        layer = { plain: [], moe: [] };
        this.layers.set(m.target.linear, layer);
      }
      if (m.kind === "plain") layer.plain.push(m);
      else layer.moe.push(m);
    }
  }

  private input = (key: string): Value => {
    const value = this.inputs.get(key);
    if (!value) throw new TrainableAdapterError(`the training graph has no input for adapter key ${key}`);
    return value;
  };

  /** x: [N, in], y: [N, out] -> y plus this layer's LoRA branch and each MoE-LoRA branch. */
  apply(_ctx: BuildContext, site: LinearSite, x: Value, y: Value): Value {
    const layer = this.layers.get(site.path);
    if (!layer) return y;
    this.applied.add(site.path);
    let out = layer.plain.length > 0 ? lowRankBranch(x, y, plainValues(layer.plain, this.input), null) : y;
    for (const m of layer.moe) out = moeBranch(x, out, moeValues(m, this.input), null).y;
    return out;
  }

  /** Layers the adapter targets that the model never built (none for a complete build). */
  unapplied(): string[] {
    return [...this.layers.keys()].filter((l) => !this.applied.has(l));
  }
}
