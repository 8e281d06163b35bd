/**
 * Weights written straight into one external-data file, one tensor at a time (no copy of the model
 * in JavaScript memory), and a manifest of where each landed, from which the same graph can be
 * rebuilt in another process and loaded by ONNX Runtime from the file (memory-mapped).
 */
import { open, writeFile, type FileHandle } from "node:fs/promises";
import type { Graph, InitializerData, Value } from "../src/onnx/graph.js";
import { modelProto } from "../src/onnx/model-proto.js";
import type { ParamBinder, ParamSpec, QuantizedWeight } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor.js";
import type { AccuracyLevel } from "../src/components/precision.js";

export type ExternalTensor = Extract<InitializerData, { kind: "external" }>;

export interface PackedRef {
  readonly b: ExternalTensor;
  readonly scales: ExternalTensor;
  readonly bits: 4 | 8;
  readonly blockSize: number;
}

/** Where every parameter of a model is in its data file: float tensors, and MatMulNBits weights. */
export interface WeightManifest {
  readonly floats: Readonly<Record<string, ExternalTensor>>;
  readonly packed: Readonly<Record<string, PackedRef>>;
  readonly accuracyLevel: AccuracyLevel;
}

const ALIGNMENT = 64;

export class ExternalWriter {
  offset = 0;

  /** `location`: the data file's name as the .onnx file beside it refers to it. */
  constructor(
    private readonly file: FileHandle,
    private readonly location: string,
  ) {}

  static async create(path: string, location: string): Promise<ExternalWriter> {
    return new ExternalWriter(await open(path, "w"), location);
  }

  async add(t: Tensor): Promise<ExternalTensor> {
    const pad = (ALIGNMENT - (this.offset % ALIGNMENT)) % ALIGNMENT;
    if (pad) await this.file.write(new Uint8Array(pad));
    this.offset += pad;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    await this.file.write(bytes);
    const at = this.offset;
    this.offset += bytes.byteLength;
    return { kind: "external", dtype: t.dtype, dims: t.dims, location: this.location, offset: at, length: bytes.byteLength };
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/** Binds parameters to the external initializers of a manifest (MatMulNBits where it has packed codes). */
export class ManifestParams implements ParamBinder {
  private readonly bound = new Map<string, QuantizedWeight>();

  constructor(private readonly manifest: WeightManifest) {}

  bind(graph: Graph, spec: ParamSpec): Value {
    const data = this.manifest.floats[spec.path];
    if (!data) throw new Error(`weight manifest has no float tensor ${spec.path}: it was written for another model`);
    return graph.addInitializer(spec.path, data);
  }

  bindQuantized(graph: Graph, spec: ParamSpec): QuantizedWeight | null {
    const p = this.manifest.packed[spec.path];
    if (!p) return null;
    let q = this.bound.get(spec.path);
    if (!q) {
      q = {
        b: graph.addInitializer(`${spec.path}.q${p.bits}`, p.b),
        scales: graph.addInitializer(`${spec.path}.scales`, p.scales),
        zeroPoints: null,
        bits: p.bits,
        blockSize: p.blockSize,
        accuracyLevel: this.manifest.accuracyLevel,
      };
      this.bound.set(spec.path, q);
    }
    return q;
  }
}

/** Writes the ModelProto of a graph whose initializers are all external. */
export async function writeModelProto(graph: Graph, path: string): Promise<void> {
  const file = await open(path, "w");
  try {
    for (const piece of modelProto(graph).finish()) await file.write(piece);
  } finally {
    await file.close();
  }
}

export async function writeManifest(manifest: WeightManifest, path: string): Promise<void> {
  await writeFile(path, JSON.stringify(manifest));
}

/** Bytes of the weights a manifest names (codes, scales and floats). */
export function manifestBytes(manifest: WeightManifest): number {
  let total = 0;
  for (const t of Object.values(manifest.floats)) total += t.length;
  for (const p of Object.values(manifest.packed)) total += p.b.length + p.scales.length;
  return total;
}
