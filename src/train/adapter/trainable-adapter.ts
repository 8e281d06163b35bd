/**
 * An adapter being trained: its modules (where each lands in the model, its keys, scaling,
 * experts and top-k) and its tensors by adapter-file key. The trainable tensors become inputs of
 * the training graph under those keys; the alpha scalars (`transformer.<module>.alpha`) stay
 * constants of the file and are not trained.
 */
import { shapeString, tensor, type Tensor } from "../../tensor.js";
import { TrainableAdapterError } from "./errors.js";
import { moduleKeys, type TrainableModule } from "./modules.js";

/** The plain modules of one layer must update disjoint rows (each row range is one block of the up matrix). */
function checkRowsDisjoint(modules: readonly TrainableModule[]): void {
  const byLayer = new Map<string, TrainableModule[]>();
  for (const m of modules) if (m.kind === "plain") byLayer.set(m.target.linear, [...(byLayer.get(m.target.linear) ?? []), m]);
  for (const [linear, list] of byLayer) {
    const sorted = [...list].sort((p, q) => p.target.rowStart - q.target.rowStart);
    for (let i = 1; i < sorted.length; i++) {
      const [prev, cur] = [sorted[i - 1] as TrainableModule, sorted[i] as TrainableModule];
      if (cur.target.rowStart < prev.target.rowEnd) {
        throw new TrainableAdapterError(
          `modules ${prev.module} and ${cur.module} both update rows of ${linear}: an adapter trains one module per row`,
        );
      }
    }
  }
}

export class TrainableAdapter {
  /** Every trainable key, in module order. */
  readonly keys: readonly string[];

  constructor(
    readonly modules: readonly TrainableModule[],
    /** The initial trainable tensors by key (float32, the file's own layout). */
    readonly initial: ReadonlyMap<string, Tensor<"f32">>,
    /** Tensors saved with the adapter but not trained (0-d alpha scalars). */
    readonly constants: ReadonlyMap<string, Tensor<"f32">> = new Map(),
  ) {
    if (modules.length === 0) throw new TrainableAdapterError("a trainable adapter needs at least one module");
    this.keys = modules.flatMap(moduleKeys);
    const seen = new Set<string>();
    for (const key of this.keys) {
      if (seen.has(key)) throw new TrainableAdapterError(`adapter key ${key} belongs to two modules`);
      seen.add(key);
      if (!initial.has(key)) throw new TrainableAdapterError(`adapter key ${key} has no initial tensor`);
    }
    for (const m of modules) this.checkShapes(m);
    checkRowsDisjoint(modules);
  }

  /** The declared shape of a key's tensor: its initial tensor's. */
  dims(key: string): readonly number[] {
    const t = this.initial.get(key);
    if (!t) throw new TrainableAdapterError(`${key} is not a key of this adapter`);
    return t.dims;
  }

  /** Whether any module is a MoE-LoRA. */
  get hasMoe(): boolean {
    return this.modules.some((m) => m.kind === "moe");
  }

  /** Fresh copies of the initial tensors (the optimizer updates its parameters in place). */
  cloneInitial(): Map<string, Tensor<"f32">> {
    return new Map(
      this.keys.map((key) => {
        const t = this.initial.get(key) as Tensor<"f32">;
        return [key, tensor("f32", t.dims, t.data.slice())];
      }),
    );
  }

  private expect(key: string, dims: readonly (number | null)[], what: string): void {
    const got = this.dims(key);
    const ok = got.length === dims.length && dims.every((d, i) => d === null || d === got[i]);
    if (!ok) {
      const want = shapeString(dims.map((d) => d ?? "*"));
      throw new TrainableAdapterError(`adapter tensor ${key} has shape ${shapeString(got)}, expected ${want} (${what})`);
    }
  }

  private checkShapes(m: TrainableModule): void {
    const t = m.target;
    const rows = t.rowEnd - t.rowStart;
    const where = `${m.module} -> ${t.linear} rows [${t.rowStart}:${t.rowEnd}] of [${t.outFeatures}, ${t.inFeatures}]`;
    const down = (key: string, lead: number): void => {
      this.expect(key, [lead, null], where);
      const width = this.dims(key)[1] as number;
      if (width < 1 || width > t.inFeatures)
        throw new TrainableAdapterError(`${key} takes ${width} inputs, the layer ${t.inFeatures} (${where})`);
    };
    if (!(m.rank >= 1)) throw new TrainableAdapterError(`module ${m.module} has rank ${m.rank}`);
    if (t.swapHalves && rows % 2 !== 0) throw new TrainableAdapterError(`module ${m.module} swaps the halves of an odd number of rows`);
    if (m.kind === "plain") {
      down(m.a, m.rank);
      this.expect(m.b, [rows, m.rank], where);
      return;
    }
    const experts = m.experts.length;
    if (experts === 0) throw new TrainableAdapterError(`MoE module ${m.module} has no experts`);
    if (!Number.isInteger(m.topK) || m.topK < 1 || m.topK > experts) {
      throw new TrainableAdapterError(`MoE module ${m.module}: top-k must be between 1 and its ${experts} experts, got ${m.topK}`);
    }
    for (const e of m.experts) {
      down(e.a, m.rank);
      this.expect(e.b, [rows, m.rank], where);
    }
    down(m.route, experts);
  }
}
