/**
 * Writes a graph as an .onnx file plus one external-data file beside it. Protobuf cannot hold
 * messages over 2 GiB, so big models must keep their weights outside the ModelProto; ONNX Runtime
 * then memory-maps them. Initializers are moved out when larger than `threshold` bytes.
 */
import { open, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Tensor } from "../tensor.js";
import type { Graph, InitializerData } from "./graph.js";
import { modelProto } from "./model-proto.js";

const ALIGNMENT = 64;

export interface ModelFiles {
  readonly modelPath: string;
  readonly dataPath: string;
  readonly dataBytes: number;
}

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Total bytes of the inline initializers of `graph`. */
export function inlineBytes(graph: Graph): number {
  let total = 0;
  for (const init of graph.initializers.values()) if (init.data.kind === "inline") total += init.data.tensor.data.byteLength;
  return total;
}

/**
 * Writes `<dir>/<name>.onnx` and `<dir>/<name>.data`. The graph's big inline initializers are
 * switched to external references into the data file (the graph object is updated in place).
 * Both files are written under temporary names and renamed at the end.
 */
export async function writeModelFiles(graph: Graph, dir: string, name: string, threshold = 1024): Promise<ModelFiles> {
  const modelPath = join(dir, `${name}.onnx`);
  const dataPath = join(dir, `${name}.data`);
  const dataTmp = `${dataPath}.tmp-${process.pid}`;
  const modelTmp = `${modelPath}.tmp-${process.pid}`;
  const data = await open(dataTmp, "w");
  let offset = 0;
  try {
    for (const [key, init] of graph.initializers) {
      if (init.data.kind !== "inline" || init.data.tensor.data.byteLength <= threshold) continue;
      const pad = (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
      if (pad) await data.write(new Uint8Array(pad));
      offset += pad;
      const bytes = bytesOf(init.data.tensor);
      await data.write(bytes);
      const external: InitializerData = {
        kind: "external",
        dtype: init.data.tensor.dtype,
        dims: init.data.tensor.dims,
        location: basename(dataPath),
        offset,
        length: bytes.byteLength,
      };
      graph.initializers.set(key, { value: init.value, data: external });
      offset += bytes.byteLength;
    }
    await data.sync();
  } finally {
    await data.close();
  }
  const model = await open(modelTmp, "w");
  try {
    for (const piece of modelProto(graph).finish()) await model.write(piece);
    await model.sync();
  } finally {
    await model.close();
  }
  try {
    await rename(dataTmp, dataPath);
    await rename(modelTmp, modelPath);
  } catch (error) {
    await rm(dataTmp, { force: true });
    await rm(modelTmp, { force: true });
    throw error;
  }
  return { modelPath, dataPath, dataBytes: offset };
}
