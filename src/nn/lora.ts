/**
 * A plain LoRA branch on a linear layer: y + s * B (A x). The updates of several output-row
 * ranges of one layer (q, k, v of a fused qkv) share one down product: A stacked [sum r, in]. The
 * up products then either run per range on slices of the hidden state, concatenated (when the
 * ranges tile the layer's rows, as q/k/v and q/k/v/mlp do: measured on one single-block linear1
 * of the mid-size model, +4.5% over the base layer instead of +10% with a block-diagonal B), or
 * as one block-diagonal B [out, sum r] (zeros outside each range) otherwise. The branch math
 * works on graph values: inference folds the per-module scaling alpha / r into constant B's
 * (lowRankConstants), training feeds the adapter tensors as inputs and applies it with a Mul
 * (train/adapter). The run-time scale s is a graph value (absent in training).
 */
import type { Graph, Value } from "../onnx/graph.js";
import { add, concat, gemmTransB, mul, split } from "../onnx/ops/index.js";
import { InvalidArgumentError } from "../errors.js";
import { tensor, type Tensor } from "../tensor.js";

/** One module's update: y[rowStart:rowEnd] += scaling * (B (A x) + bias). */
export interface LowRankPart {
  /** [r, in] */
  readonly A: Tensor<"f32">;
  /** [rowEnd - rowStart, r] */
  readonly B: Tensor<"f32">;
  readonly bias: Tensor<"f32"> | null;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly scaling: number;
}

/** The up matrix of one row range, scaling folded in: [rowEnd - rowStart, rank]. */
export interface UpBlock {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly rank: number;
  readonly B: Tensor<"f32">;
}

/** All parts of one layer: one stacked A, the up blocks in the order of A's rows. */
export interface FusedLowRank {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [R, in], R = sum of the parts' ranks */
  readonly A: Tensor<"f32">;
  readonly blocks: readonly UpBlock[];
  /** [out] (scaling folded) or null */
  readonly bias: Tensor<"f32"> | null;
}

export function fuseLowRank(parts: readonly LowRankPart[], inFeatures: number, outFeatures: number): FusedLowRank {
  if (parts.length === 0) throw new InvalidArgumentError("fuseLowRank needs at least one part");
  const sorted = [...parts].sort((p, q) => p.rowStart - q.rowStart);
  const total = sorted.reduce((s, p) => s + (p.A.dims[0] as number), 0);
  const A = tensor("f32", [total, inFeatures]);
  const bias = sorted.some((p) => p.bias) ? tensor("f32", [outFeatures]) : null;
  const blocks: UpBlock[] = [];
  let at = 0;
  for (const p of sorted) {
    const r = p.A.dims[0] as number;
    const rows = p.rowEnd - p.rowStart;
    if (p.A.dims[1] !== inFeatures || p.B.dims[0] !== rows || p.B.dims[1] !== r || p.rowEnd > outFeatures || p.rowStart < 0 || rows <= 0) {
      throw new InvalidArgumentError(
        `LoRA part A [${p.A.dims}] B [${p.B.dims}] rows [${p.rowStart}:${p.rowEnd}] does not fit a layer [${outFeatures}, ${inFeatures}]`,
      );
    }
    A.data.set(p.A.data, at * inFeatures);
    blocks.push({
      rowStart: p.rowStart,
      rowEnd: p.rowEnd,
      rank: r,
      B: tensor(
        "f32",
        p.B.dims,
        p.B.data.map((v) => v * p.scaling),
      ),
    });
    if (bias && p.bias)
      for (let i = 0; i < rows; i++)
        bias.data[p.rowStart + i] = (bias.data[p.rowStart + i] as number) + (p.bias.data[i] as number) * p.scaling;
    at += r;
  }
  return { inFeatures, outFeatures, A, blocks, bias };
}

/** The up matrices as one block-diagonal B [out, R] (zeros outside each block's rows and ranks). */
export function blockDiagonalB(fused: FusedLowRank): Tensor<"f32"> {
  const total = fused.A.dims[0] as number;
  const B = tensor("f32", [fused.outFeatures, total]);
  let col = 0;
  for (const b of fused.blocks) {
    for (let i = 0; i < b.rowEnd - b.rowStart; i++)
      B.data.set(b.B.data.subarray(i * b.rank, (i + 1) * b.rank), (b.rowStart + i) * total + col);
    col += b.rank;
  }
  return B;
}

/** Whether the blocks cover the rows [0, out) exactly, in order. */
export function tilesRows(blocks: readonly { readonly rowStart: number; readonly rowEnd: number }[], outFeatures: number): boolean {
  let next = 0;
  for (const b of blocks) {
    if (b.rowStart !== next) return false;
    next = b.rowEnd;
  }
  return next === outFeatures;
}

export function weightConstant(g: Graph, name: string, t: Tensor): Value {
  return g.constant(t, name);
}

/** One row range's up matrix as a graph value, every scaling applied: [rowEnd - rowStart, rank]. */
export interface UpValue {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly rank: number;
  readonly B: Value;
}

/**
 * A layer's low-rank update as graph values: constants for inference (lowRankConstants), graph
 * inputs for training (train/adapter). The up side is either per-range blocks that tile the
 * layer's rows, or one block-diagonal B [out, R].
 */
export interface LowRankValues {
  /** [R, in] */
  readonly A: Value;
  readonly up: { readonly tiles: readonly UpValue[] } | { readonly full: Value };
  /** [out] (scaling applied) or null */
  readonly bias: Value | null;
}

/** The fused tensors as constants of `g` (named after `name`). */
export function lowRankConstants(g: Graph, fused: FusedLowRank, name: string): LowRankValues {
  const A = weightConstant(g, `${name}.lora_A`, fused.A);
  const many = fused.blocks.length > 1;
  const up = tilesRows(fused.blocks, fused.outFeatures)
    ? { tiles: fused.blocks.map((b, i) => ({ ...b, B: weightConstant(g, many ? `${name}.lora_B${i}` : `${name}.lora_B`, b.B) })) }
    : { full: weightConstant(g, `${name}.lora_B`, blockDiagonalB(fused)) };
  const bias = fused.bias ? weightConstant(g, `${name}.lora_B_bias`, fused.bias) : null;
  return { A, up, bias };
}

/**
 * For each up block, the row range (of `sizes`, in order) it lies in; null unless there are several
 * blocks that tile the rows and each lies inside one range (what lowRankBranchRows needs).
 */
export function tileRanges(blocks: readonly UpBlock[], outFeatures: number, sizes: readonly number[]): number[] | null {
  if (blocks.length < 2 || !tilesRows(blocks, outFeatures)) return null;
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const ranges = blocks.map((t) => starts.findIndex((s, i) => t.rowStart >= s && t.rowEnd <= s + (sizes[i] as number)));
  return ranges.some((r) => r < 0) ? null : ranges;
}

/**
 * lowRankBranch cut at row ranges (up blocks as tiles, no bias; `ranges` from tileRanges):
 * ys[i]: [N, sizes[i]] -> ys[i] plus its rows of the branch. Each range adds its tiles' products
 * as lowRankBranch adds them to the whole output, so the numbers are the same.
 */
export function lowRankBranchRows(
  x: Value,
  ys: readonly Value[],
  ranges: readonly number[],
  w: LowRankValues,
  scale: Value | null,
): Value[] {
  if (!("tiles" in w.up) || w.bias) throw new Error("lowRankBranchRows needs up blocks as tiles and no bias (check with tileRanges)");
  const tiles = w.up.tiles;
  const down = gemmTransB(x, w.A, null);
  const h = scale ? mul(down, scale) : down;
  const pieces = split(
    h,
    tiles.map((b) => b.rank),
    1,
  );
  return ys.map((y, r) => {
    const ups = tiles.flatMap((b, i) => (ranges[i] === r ? [gemmTransB(pieces[i] as Value, b.B, null)] : []));
    if (ups.length === 0) return y;
    return add(y, ups.length === 1 ? (ups[0] as Value) : concat(ups, 1));
  });
}

/** x: [N, in], y: [N, out], scale: a scalar value or null (1) -> y + scale * ((x A^T) B^T + bias). */
export function lowRankBranch(x: Value, y: Value, w: LowRankValues, scale: Value | null): Value {
  const down = gemmTransB(x, w.A, null);
  const h = scale ? mul(down, scale) : down;
  let out: Value;
  if ("tiles" in w.up && w.up.tiles.length > 1) {
    const tiles = w.up.tiles;
    const pieces = split(
      h,
      tiles.map((b) => b.rank),
      1,
    );
    const ups = tiles.map((b, i) => gemmTransB(pieces[i] as Value, b.B, null));
    out = add(y, concat(ups, 1));
  } else {
    const B = "full" in w.up ? w.up.full : (w.up.tiles[0] as UpValue).B;
    out = gemmTransB(h, B, y);
  }
  if (!w.bias) return out;
  return add(out, scale ? mul(w.bias, scale) : w.bias);
}
