/**
 * Serialises a Graph as an ONNX ModelProto (field numbers from onnx/onnx.proto).
 */
import type { Tensor } from "../tensor.js";
import { GraphBuildError, type Attribute, type Graph, type Initializer, type Value } from "./graph.js";
import { ONNX_DTYPE } from "./ir.js";
import { ProtoMessage } from "./protobuf.js";

export { ONNX_DTYPE };

const IR_VERSION = 11;
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

export interface ModelInfo {
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
}

function tensorBytes(t: Tensor): Uint8Array {
  const data = t.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, t: Tensor): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of t.dims) m.varint(1, d);
  m.varint(2, ONNX_DTYPE[t.dtype]);
  m.string(8, name);
  m.bytes(9, tensorBytes(t));
  return m;
}

function initializerProto(init: Initializer): ProtoMessage {
  const { value, data } = init;
  if (data.kind === "inline") return tensorProto(value.name, data.tensor);
  const m = new ProtoMessage();
  for (const d of data.dims) m.varint(1, d);
  m.varint(2, ONNX_DTYPE[data.dtype]);
  m.string(8, value.name);
  const entry = (key: string, text: string): ProtoMessage => new ProtoMessage().string(1, key).string(2, text);
  m.message(13, entry("location", data.location));
  m.message(13, entry("offset", String(data.offset)));
  m.message(13, entry("length", String(data.length)));
  m.varint(14, 1);
  return m;
}

function valueInfoProto(v: Value): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) {
    const dim = new ProtoMessage();
    if (typeof d === "number") dim.varint(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoMessage().varint(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, v.name).message(2, type);
}

function attributeProto(name: string, a: Attribute): ProtoMessage {
  const m = new ProtoMessage().string(1, name).varint(20, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case "float":
      return m.float(2, a.value);
    case "int":
      return m.varint(3, a.value);
    case "string":
      return m.string(4, a.value);
    case "tensor":
      return m.message(5, tensorProto("", a.value));
    case "floats":
      for (const f of a.value) m.float(7, f);
      return m;
    case "ints":
      for (const i of a.value) m.varint(8, i);
      return m;
  }
}

function graphProto(g: Graph): ProtoMessage {
  const m = new ProtoMessage();
  for (const node of g.nodes) {
    const n = new ProtoMessage();
    for (const input of node.inputs) n.string(1, input ? input.name : "");
    for (const output of node.outputs) n.string(2, output.name);
    n.string(3, node.name).string(4, node.opType);
    for (const [key, value] of Object.entries(node.attributes)) n.message(5, attributeProto(key, value));
    if (node.domain) n.string(7, node.domain);
    m.message(1, n);
  }
  m.string(2, g.name);
  for (const init of g.initializers.values()) m.message(5, initializerProto(init));
  for (const input of g.inputs) m.message(11, valueInfoProto(input));
  for (const output of g.outputs) m.message(12, valueInfoProto(output));
  return m;
}

/** The ModelProto of `g` as a list of byte pieces (large initializers are referenced, not copied). */
export function modelProto(g: Graph, info: ModelInfo = {}): ProtoMessage {
  if (g.outputs.length === 0) throw new GraphBuildError(`graph ${g.name} has no outputs`);
  const m = new ProtoMessage().varint(1, IR_VERSION);
  m.string(2, info.producerName ?? "icedit");
  m.string(3, info.producerVersion ?? "0.1.0");
  if (info.docString) m.string(6, info.docString);
  m.message(7, graphProto(g));
  for (const [domain, version] of Object.entries(g.opsets)) {
    m.message(8, new ProtoMessage().string(1, domain).varint(2, version));
  }
  return m;
}

export function serializeModel(g: Graph, info: ModelInfo = {}): Uint8Array {
  return modelProto(g, info).toBytes();
}
