/**
 * The adapter's graph inputs shaped into the values nn/lora.ts and nn/moe.ts branch on: per layer
 * the modules' A stacked with Concat, each B with its scaling applied by a Mul, zeros where a
 * module does not reach (block-diagonal up matrix, rows outside a MoE module, input columns a
 * narrower A lacks). Gradients flow back through these nodes to each input in its file layout.
 */
import type { Value } from "../../onnx/graph.js";
import { concat, mul, scalarF32, split } from "../../onnx/ops/index.js";
import { tilesRows, type LowRankValues, type UpValue } from "../../nn/lora.js";
import type { MoeValues } from "../../nn/moe.js";
import { tensor } from "../../tensor.js";
import type { LoraTarget } from "../../weights/lora/targets.js";
import type { MoeModule, PlainModule } from "./modules.js";

/** A float32 zero constant of shape `dims`. */
function zeros(like: Value, dims: readonly number[]): Value {
  return like.graph.constant(tensor("f32", dims), "adapter_zeros");
}

/** Concat along `axis`; one value is returned as it is. */
function join(values: readonly Value[], axis: number): Value {
  return values.length === 1 ? (values[0] as Value) : concat(values, axis);
}

/** down: [r, w] -> [r, in], zero columns appended when the file's A is narrower than the layer. */
function padInputs(down: Value, inFeatures: number): Value {
  const [rows, width] = down.shape as [number, number];
  return width === inFeatures ? down : concat([down, zeros(down, [rows, inFeatures - width])], 1);
}

/** up: [rows, r] in diffusers' row order -> the BFL layer's ([scale; shift] -> [shift; scale] when swapped). */
function bflRows(up: Value, target: LoraTarget): Value {
  if (!target.swapHalves) return up;
  const half = (up.shape[0] as number) / 2;
  const [first, second] = split(up, [half, half], 0) as [Value, Value];
  return concat([second, first], 0);
}

function scaled(v: Value, scaling: number): Value {
  return scaling === 1 ? v : mul(v, scalarF32(v.graph, scaling));
}

/** B [rows, width] -> [out, width]: zero rows above and below the module's rows. */
function padRows(up: Value, target: LoraTarget): Value {
  const width = up.shape[1] as number;
  const parts: Value[] = [];
  if (target.rowStart > 0) parts.push(zeros(up, [target.rowStart, width]));
  parts.push(up);
  if (target.rowEnd < target.outFeatures) parts.push(zeros(up, [target.outFeatures - target.rowEnd, width]));
  return join(parts, 0);
}

/**
 * The plain modules of one layer (sorted by rows) as one stacked A [sum r, in] and either per-range
 * B's [rows_i, r_i] that tile the layer's rows or one block-diagonal B [out, sum r].
 */
export function plainValues(modules: readonly PlainModule[], input: (key: string) => Value): LowRankValues {
  const sorted = [...modules].sort((p, q) => p.target.rowStart - q.target.rowStart);
  const first = sorted[0] as PlainModule;
  const inFeatures = first.target.inFeatures;
  const outFeatures = first.target.outFeatures;
  const A = join(
    sorted.map((m) => padInputs(input(m.a), inFeatures)),
    0,
  );
  const tiles: UpValue[] = sorted.map((m) => ({
    rowStart: m.target.rowStart,
    rowEnd: m.target.rowEnd,
    rank: m.rank,
    B: scaled(bflRows(input(m.b), m.target), m.scaling),
  }));
  if (tilesRows(tiles, outFeatures)) return { A, up: { tiles }, bias: null };
  return { A, up: { full: blockDiagonal(tiles, outFeatures) }, bias: null };
}

/** Up blocks [rows_i, r_i] (sorted, not overlapping) -> one B [out, sum r], zeros outside each block's rows and ranks. */
function blockDiagonal(tiles: readonly UpValue[], outFeatures: number): Value {
  const total = tiles.reduce((s, t) => s + t.rank, 0);
  const stacked: Value[] = [];
  let col = 0;
  let next = 0;
  for (const t of tiles) {
    const rows = t.rowEnd - t.rowStart;
    if (t.rowStart > next) stacked.push(zeros(t.B, [t.rowStart - next, total]));
    const parts: Value[] = [];
    if (col > 0) parts.push(zeros(t.B, [rows, col]));
    parts.push(t.B);
    if (col + t.rank < total) parts.push(zeros(t.B, [rows, total - col - t.rank]));
    stacked.push(join(parts, 1));
    col += t.rank;
    next = t.rowEnd;
  }
  const last = tiles[tiles.length - 1] as UpValue;
  if (next < outFeatures) stacked.push(zeros(last.B, [outFeatures - next, total]));
  return join(stacked, 0);
}

/** One MoE module: expert A's stacked [E*r, in], B's side by side [out, E*r] (zero rows outside the module), router [E, in]. */
export function moeValues(m: MoeModule, input: (key: string) => Value): MoeValues {
  const inFeatures = m.target.inFeatures;
  const A = join(
    m.experts.map((e) => padInputs(input(e.a), inFeatures)),
    0,
  );
  const B = join(
    m.experts.map((e) => bflRows(input(e.b), m.target)),
    1,
  );
  return {
    A,
    B: padRows(scaled(B, m.expertScaling), m.target),
    route: padInputs(input(m.route), inFeatures),
    experts: m.experts.length,
    rank: m.rank,
    topK: m.topK,
  };
}
