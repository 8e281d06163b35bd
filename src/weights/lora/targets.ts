/**
 * Where an adapter module lands in the model: a BFL linear layer and a range of its output rows.
 * Built from the model's declared parameters and the one FLUX key table (layouts/flux-table.ts):
 * diffusers names map through its row splits, BFL names map to themselves, kohya's underscored
 * names to either, and XLabs' processor names to the fused qkv / proj layers.
 */
import { FLUX_KEY_TABLE } from "../layouts/flux-table.js";
import { fluxSizes, type FluxSizes } from "../layouts/flux-sizes.js";

export interface LinearShape {
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export interface LoraTarget extends LinearShape {
  /** BFL linear name, e.g. "double_blocks.0.img_attn.qkv". */
  readonly linear: string;
  readonly rowStart: number;
  readonly rowEnd: number;
  /**
   * The module's output rows are in diffusers' order [scale; shift] while the BFL layer has
   * [shift; scale] (final_layer.adaLN_modulation.1 = norm_out.linear): swap B's halves.
   */
  readonly swapHalves: boolean;
}

/** A parameter as a module declares it (path and shape). */
export interface DeclaredParam {
  readonly path: string;
  readonly shape: readonly number[];
}

function patternRegex(pattern: string): RegExp {
  const escaped = pattern.split("{i}").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("(\\d+)")}$`);
}

const WEIGHT = ".weight";

/** XLabs processor LoRAs: (block kind, lora name) -> the BFL linear and which rows (null: all). */
function xlabsTarget(name: string): { linear: string; rows: "qkv" | null } | null {
  const double = /^double_blocks\.(\d+)\.processor\.(qkv|proj)_lora([12])$/.exec(name);
  if (double) {
    const stream = double[3] === "1" ? "img" : "txt";
    return { linear: `double_blocks.${double[1]}.${stream}_attn.${double[2]}`, rows: null };
  }
  const single = /^single_blocks\.(\d+)\.processor\.(qkv|proj)_lora$/.exec(name);
  if (single) {
    return single[2] === "qkv"
      ? { linear: `single_blocks.${single[1]}.linear1`, rows: "qkv" }
      : { linear: `single_blocks.${single[1]}.linear2`, rows: null };
  }
  return null;
}

export class LoraTargets {
  private readonly byName = new Map<string, LoraTarget>();
  private readonly byUnderscored = new Map<string, LoraTarget>();

  private constructor(
    private readonly linears: ReadonlyMap<string, LinearShape>,
    readonly sizes: FluxSizes,
  ) {
    for (const [linear, shape] of linears)
      this.add(linear, { linear, ...shape, rowStart: 0, rowEnd: shape.outFeatures, swapHalves: false });
    for (const row of FLUX_KEY_TABLE) {
      if (!row.bfl.endsWith(WEIGHT)) continue;
      const re = patternRegex(row.bfl.slice(0, -WEIGHT.length));
      for (const [linear, shape] of linears) {
        const m = re.exec(linear);
        if (!m) continue;
        const names = row.diffusers.map((d) =>
          d
            .slice(0, -WEIGHT.length)
            .split("{i}")
            .join(m[1] ?? ""),
        );
        const t = row.transform;
        const counts = t.kind === "split" ? t.sizes.map((s) => sizes[s]) : [shape.outFeatures];
        if (counts.reduce((a, b) => a + b, 0) !== shape.outFeatures) continue;
        let start = 0;
        names.forEach((name, j) => {
          const count = counts[j] ?? 0;
          this.add(name, { linear, ...shape, rowStart: start, rowEnd: start + count, swapHalves: t.kind === "swapHalves" });
          start += count;
        });
      }
    }
  }

  private add(name: string, target: LoraTarget): void {
    this.byName.set(name, target);
    this.byUnderscored.set(name.split(".").join("_"), target);
  }

  /** The targets of a model whose parameters are `params` (the linears are the 2-D ".weight"s). */
  static fromParams(params: readonly DeclaredParam[]): LoraTargets {
    const linears = new Map<string, LinearShape>();
    const dims = new Map<string, readonly number[]>();
    for (const p of params) {
      dims.set(p.path, p.shape);
      if (p.path.endsWith(WEIGHT) && p.shape.length === 2) {
        linears.set(p.path.slice(0, -WEIGHT.length), { outFeatures: p.shape[0] as number, inFeatures: p.shape[1] as number });
      }
    }
    const sizes = fluxSizes("bfl", [...dims.keys()], (n) => dims.get(n), "(model parameters)");
    return new LoraTargets(linears, sizes);
  }

  /** The linear layers of the model, in declaration order. */
  linearNames(): string[] {
    return [...this.linears.keys()];
  }

  linear(name: string): LinearShape | undefined {
    return this.linears.get(name);
  }

  /**
   * Where the module `name` (wrapper prefixes already stripped) lands: a BFL or diffusers
   * module name, either dotted or with kohya's underscores, or an XLabs processor name.
   */
  resolve(name: string): LoraTarget | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    const xlabs = xlabsTarget(name);
    if (xlabs) {
      const shape = this.linears.get(xlabs.linear);
      if (!shape) return undefined;
      const rowEnd = xlabs.rows === "qkv" ? 3 * this.sizes.D : shape.outFeatures;
      return { linear: xlabs.linear, ...shape, rowStart: 0, rowEnd, swapHalves: false };
    }
    return this.byUnderscored.get(name);
  }
}
