/**
 * A model's parameters in their load form, one tensor at a time: linear weights block-quantized for
 * MatMulNBits (GGUF Q8_0 / Q4_0 blocks repacked without a float round trip), everything else (and
 * the layers in `keep`) as float32. Each float copy can be dropped before the next tensor is read,
 * so the float model never sits in memory whole.
 */
import { Linear } from "../../nn/linear.js";
import type { Module, ParamSpec } from "../../nn/module.js";
import type { Tensor } from "../../tensor.js";
import type { TensorSource } from "../../weights/source.js";
import { packGgufBlocks, quantizeNBits, type NBits, type PackedNBits } from "../../weights/quant/index.js";
import type { QuantizedKind } from "../precision.js";
import type { QuantOptions } from "./quant-options.js";

/** What the converter needs of the quantized-load options. */
export type NBitsOptions = Pick<QuantOptions, "precision" | "keep">;

/** The MatMulNBits code width of a quantized precision: the one place a precision becomes bits. */
export function nbitsOf(kind: QuantizedKind): NBits {
  return kind === "int8" ? 8 : 4;
}

export type ConvertedTensor =
  | { readonly kind: "float"; readonly path: string; readonly tensor: Tensor<"f32"> }
  | { readonly kind: "packed"; readonly path: string; readonly packed: PackedNBits };

interface BlockSource {
  readBlocks(name: string): Promise<Parameters<typeof packGgufBlocks>[0]>;
}

function hasBlocks(source: TensorSource): source is TensorSource & BlockSource {
  return typeof (source as Partial<BlockSource>).readBlocks === "function";
}

/** The GGUF block type of a tensor, when the source is a GGUF file. */
function blockType(source: TensorSource, name: string): string | undefined {
  const entry: object = source.entry(name);
  return "ggmlType" in entry && typeof entry.ggmlType === "string" ? entry.ggmlType : undefined;
}

/** The weight paths of every Linear in `model` (the tensors MatMulNBits can take). */
export function linearWeightPaths(model: Module): Set<string> {
  const paths = new Set<string>();
  for (const m of model.walk()) if (m instanceof Linear) paths.add(m.weight.path);
  return paths;
}

/** Whether the parameter at `path` is stored quantized: a Linear's weight whose layer is not kept in float. */
export function isQuantized(path: string, linear: ReadonlySet<string>, keep?: (linearPath: string) => boolean): boolean {
  return linear.has(path) && !(keep?.(path.slice(0, -".weight".length)) ?? false);
}

/** Yields every parameter of `model` (in declaration order) in its load form; shapes must be checked before. */
export async function* convertTensors(
  model: Module,
  source: TensorSource,
  options: NBitsOptions,
  specs: readonly ParamSpec[] = model.parameters(),
): AsyncGenerator<ConvertedTensor> {
  const linear = linearWeightPaths(model);
  const { blockSize } = options.precision;
  const bits = nbitsOf(options.precision.kind);
  for (const spec of specs) {
    if (!isQuantized(spec.path, linear, options.keep)) {
      yield { kind: "float", path: spec.path, tensor: await source.readF32(spec.path) };
      continue;
    }
    const ggmlType = blockType(source, spec.path);
    const nativeBlocks = (ggmlType === "Q8_0" && bits === 8) || (ggmlType === "Q4_0" && bits === 4);
    const packed =
      nativeBlocks && blockSize === 32 && hasBlocks(source)
        ? packGgufBlocks(await source.readBlocks(spec.path))
        : quantizeNBits(await source.readF32(spec.path), { bits, blockSize });
    yield { kind: "packed", path: spec.path, packed };
  }
}
