/**
 * The protobuf encoder against hand-computed bytes, and serialised ModelProtos read back by a
 * minimal decoder written here (independent of the encoder), including external-data initializers.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Graph, ops, serializeModel } from "../../src/onnx/index.js";
import { ProtoMessage } from "../../src/onnx/protobuf.js";
import { Engine, SessionCreateError } from "../../src/runtime/index.js";
import { assertClose, outF32, randT } from "./helpers.js";

let engine: Engine;
let dir = "";
before(async () => {
  engine = new Engine();
  dir = await mkdtemp(join(tmpdir(), "icedit-protobuf-"));
});
after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const h = (text: string): string => text.trim().split(/\s+/).join(" ");

function encoded(m: ProtoMessage): Uint8Array {
  const bytes = m.toBytes();
  assert.equal(m.byteLength, bytes.byteLength, "byteLength matches the encoded size");
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// A minimal decoder: a wire-format walker.

interface Field {
  readonly field: number;
  readonly wire: number;
  /** Varints as unsigned 64-bit. */
  readonly varint?: bigint;
  /** Length-delimited, fixed32 and fixed64 payloads. */
  readonly bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, at: { pos: number }): bigint {
  let result = 0n;
  for (let shift = 0n; ; shift += 7n) {
    assert.ok(at.pos < buf.length, "varint runs past the end");
    assert.ok(shift < 70n, "varint longer than 10 bytes");
    const b = buf[at.pos++] as number;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
}

function decode(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = readVarint(buf, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    const take = (n: number): Uint8Array => {
      assert.ok(at.pos + n <= buf.length, `field ${field} runs past the end`);
      const out = buf.subarray(at.pos, at.pos + n);
      at.pos += n;
      return out;
    };
    if (wire === 0) fields.push({ field, wire, varint: readVarint(buf, at) });
    else if (wire === 1) fields.push({ field, wire, bytes: take(8) });
    else if (wire === 2) fields.push({ field, wire, bytes: take(Number(readVarint(buf, at))) });
    else if (wire === 5) fields.push({ field, wire, bytes: take(4) });
    else assert.fail(`unsupported wire type ${wire} for field ${field}`);
  }
  return fields;
}

const all = (fs: readonly Field[], n: number): Field[] => fs.filter((f) => f.field === n);
function one(fs: readonly Field[], n: number): Field {
  const found = all(fs, n);
  assert.equal(found.length, 1, `field ${n} occurs ${found.length} times`);
  return found[0] as Field;
}
function bytesOf(f: Field): Uint8Array {
  assert.equal(f.wire, 2, `field ${f.field} is length-delimited`);
  return f.bytes as Uint8Array;
}
const str = (f: Field): string => new TextDecoder().decode(bytesOf(f));
const msg = (f: Field): Field[] => decode(bytesOf(f));
function int(f: Field): number {
  assert.equal(f.wire, 0, `field ${f.field} is a varint`);
  return Number(BigInt.asIntN(64, f.varint as bigint));
}
function f32Of(f: Field): number {
  assert.equal(f.wire, 5, `field ${f.field} is fixed32`);
  const b = f.bytes as Uint8Array;
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}
const leF32 = (values: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
};

// ---------------------------------------------------------------------------------------------

describe("wire format", () => {
  const varints: Array<[number | bigint, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "80 01"],
    [300, "ac 02"],
    [16383, "ff 7f"],
    [16384, "80 80 01"],
    [2 ** 32, "80 80 80 80 10"],
    [2 ** 53 - 1, "ff ff ff ff ff ff ff 0f"],
    [2 ** 53, "80 80 80 80 80 80 80 10"],
    [-1, "ff ff ff ff ff ff ff ff ff 01"],
    [-2, "fe ff ff ff ff ff ff ff ff 01"],
    [-1n, "ff ff ff ff ff ff ff ff ff 01"],
    [2n ** 63n, "80 80 80 80 80 80 80 80 80 01"],
    [2n ** 64n - 1n, "ff ff ff ff ff ff ff ff ff 01"],
  ];
  for (const [value, bytes] of varints) {
    test(`varint ${value}`, () => {
      assert.equal(hex(encoded(new ProtoMessage().varint(1, value))), h(`08 ${bytes}`));
    });
  }

  test("the decoder reads the varints back (a check of the decoder itself)", () => {
    for (const [value] of varints) {
      const [f] = decode(new ProtoMessage().varint(1, value).toBytes());
      assert.equal(f?.varint, BigInt.asUintN(64, BigInt(value)));
    }
  });

  test("tags: field numbers above 15 take two bytes", () => {
    assert.equal(hex(encoded(new ProtoMessage().varint(16, 1))), "80 01 01");
    assert.equal(hex(encoded(new ProtoMessage().varint(20, 2))), "a0 01 02");
    assert.equal(hex(encoded(new ProtoMessage().string(13, "a"))), "6a 01 61");
  });

  test("fixed32 floats and fixed64 doubles are little-endian IEEE", () => {
    assert.equal(hex(encoded(new ProtoMessage().float(2, 1))), "15 00 00 80 3f");
    assert.equal(hex(encoded(new ProtoMessage().float(2, 0.1))), "15 cd cc cc 3d");
    assert.equal(hex(encoded(new ProtoMessage().float(2, -2))), "15 00 00 00 c0");
    assert.equal(hex(encoded(new ProtoMessage().double(3, 1))), "19 00 00 00 00 00 00 f0 3f");
    assert.equal(hex(encoded(new ProtoMessage().double(3, 0.1))), "19 9a 99 99 99 99 99 b9 3f");
  });

  test("length-delimited strings (UTF-8) and bytes", () => {
    assert.equal(hex(encoded(new ProtoMessage().string(2, "hi"))), "12 02 68 69");
    assert.equal(hex(encoded(new ProtoMessage().string(2, ""))), "12 00");
    assert.equal(hex(encoded(new ProtoMessage().string(2, "é€"))), "12 05 c3 a9 e2 82 ac");
    const long = new Uint8Array(200).fill(7);
    const bytes = encoded(new ProtoMessage().bytes(9, long));
    assert.equal(hex(bytes.subarray(0, 3)), "4a c8 01");
    assert.equal(bytes.length, 203);
    assert.ok(bytes.subarray(3).every((b) => b === 7));
  });

  test("large byte payloads are referenced, not copied, until toBytes", () => {
    const data = new Uint8Array(1024);
    const m = new ProtoMessage().bytes(9, data);
    assert.ok(m.finish().includes(data));
  });

  test("nested messages, with fields before and after", () => {
    const child = new ProtoMessage().varint(1, 150);
    assert.equal(hex(encoded(new ProtoMessage().message(3, child))), "1a 03 08 96 01");
    const inner = new ProtoMessage().string(1, "a");
    const middle = new ProtoMessage().message(2, inner).varint(3, 1);
    const outer = new ProtoMessage().varint(1, 1).message(2, middle).varint(3, 5);
    assert.equal(hex(encoded(outer)), "08 01 12 07 12 03 0a 01 61 18 01 18 05");
    assert.equal(hex(encoded(new ProtoMessage().message(4, new ProtoMessage()))), "22 00");
  });

  test("a message with very many pieces nests without overflowing the stack", () => {
    // A big graph (thousands of nodes, each a handful of strings) nests ~10^5 pieces into one message.
    const child = new ProtoMessage();
    for (let i = 0; i < 150_000; i++) child.string(1, "ab");
    const parent = new ProtoMessage().message(1, child);
    assert.equal(parent.byteLength, 1 + 3 + 150_000 * 4);
    assert.equal(parent.toBytes().length, parent.byteLength);
  });
});

describe("serializeModel", () => {
  const w = randT([3, 2], 201);
  const scale = randT([2], 202, 0.5, 1.5);

  function tinyGraph(): Graph {
    const g = new Graph("tiny");
    const x = g.addInput("x", "f32", ["B", 3]);
    const y = ops.layerNorm(ops.matmul(x, g.constant(w, "w")), g.constant(scale, "scale"), null, 1e-5);
    g.addOutput(ops.transpose(y, [1, 0]), "y");
    return g;
  }

  test("ModelProto fields: ir_version, opset_import, producer, graph name", () => {
    const model = decode(serializeModel(tinyGraph()));
    assert.equal(int(one(model, 1)), 11, "ir_version");
    assert.equal(str(one(model, 2)), "icedit", "producer_name");
    const opsets = all(model, 8)
      .map(msg)
      .map((o) => [str(one(o, 1)), int(one(o, 2))]);
    assert.deepEqual(opsets.sort(), [
      ["", 23],
      ["com.microsoft", 1],
    ]);
    assert.equal(str(one(msg(one(model, 7)), 2)), "tiny", "graph name");
  });

  test("nodes: inputs, outputs, op_type and attributes (int, negative int, float, ints)", () => {
    const graph = msg(one(decode(serializeModel(tinyGraph())), 7));
    const nodes = all(graph, 1).map(msg);
    // addOutput under a new name adds an Identity that renames the Transpose output to "y".
    assert.deepEqual(
      nodes.map((n) => str(one(n, 4))),
      ["MatMul", "LayerNormalization", "Transpose", "Identity"],
    );
    const [matmul, norm, transpose, rename] = nodes as [Field[], Field[], Field[], Field[]];
    assert.deepEqual(all(matmul, 1).map(str), ["x", "w"]);
    assert.equal(all(matmul, 2).length, 1);
    assert.deepEqual(all(norm, 1).map(str), [str(one(matmul, 2)), "scale"], "LayerNormalization reads the MatMul output");
    assert.deepEqual(all(rename, 1).map(str), all(transpose, 2).map(str));
    assert.deepEqual(all(rename, 2).map(str), ["y"]);
    assert.equal(all(norm, 7).length, 0, "default domain is omitted");

    const attrs = new Map(
      all(norm, 5)
        .map(msg)
        .map((a) => [str(one(a, 1)), a]),
    );
    const axis = attrs.get("axis") as Field[];
    assert.equal(int(one(axis, 20)), 2, "AttributeProto.type INT");
    assert.equal(int(one(axis, 3)), -1, "axis = -1 as a 10-byte int64 varint");
    assert.equal(one(axis, 3).varint, 2n ** 64n - 1n);
    const eps = attrs.get("epsilon") as Field[];
    assert.equal(int(one(eps, 20)), 1, "AttributeProto.type FLOAT");
    assert.equal(f32Of(one(eps, 2)), Math.fround(1e-5));
    const perm = msg(one(transpose, 5));
    assert.equal(str(one(perm, 1)), "perm");
    assert.equal(int(one(perm, 20)), 7, "AttributeProto.type INTS");
    assert.deepEqual(all(perm, 8).map(int), [1, 0]);
  });

  test("a com.microsoft node carries its domain", () => {
    const g = new Graph("mha");
    const q = g.addInput("q", "f32", [1, 2, 4]);
    g.addOutput(ops.multiHeadAttention(q, q, q, 2), "y");
    const nodes = all(msg(one(decode(serializeModel(g)), 7)), 1).map(msg);
    const node = nodes.find((n) => str(one(n, 4)) === "MultiHeadAttention");
    assert.ok(node);
    assert.equal(str(one(node, 7)), "com.microsoft");
  });

  test("initializers: name, dims, data_type and little-endian raw_data", () => {
    const graph = msg(one(decode(serializeModel(tinyGraph())), 7));
    const inits = new Map(
      all(graph, 5)
        .map(msg)
        .map((t) => [str(one(t, 8)), t]),
    );
    assert.deepEqual([...inits.keys()].sort(), ["scale", "w"]);
    const wt = inits.get("w") as Field[];
    assert.deepEqual(all(wt, 1).map(int), [3, 2], "dims");
    assert.equal(int(one(wt, 2)), 1, "data_type FLOAT");
    assert.deepEqual(bytesOf(one(wt, 9)), leF32(w.data), "raw_data");
    assert.equal(all(wt, 14).length, 0, "inline data has no data_location");
  });

  test("graph inputs and outputs: elem_type, symbolic dim_param and numeric dim_value", () => {
    const graph = msg(one(decode(serializeModel(tinyGraph())), 7));
    const info = (v: Field[]): { name: string; elem: number; dims: Array<string | number> } => {
      const tensorType = msg(one(msg(one(v, 2)), 1));
      const dims = all(msg(one(tensorType, 2)), 1)
        .map(msg)
        .map((d) => (all(d, 2).length ? str(one(d, 2)) : int(one(d, 1))));
      return { name: str(one(v, 1)), elem: int(one(tensorType, 1)), dims };
    };
    assert.deepEqual(all(graph, 11).map(msg).map(info), [{ name: "x", elem: 1, dims: ["B", 3] }]);
    assert.deepEqual(all(graph, 12).map(msg).map(info), [{ name: "y", elem: 1, dims: [2, "B"] }]);
  });

  test("the serialised tiny graph runs in ONNX Runtime and matches a float64 reference", async () => {
    const x = randT([4, 3], 203);
    const session = await engine.load(tinyGraph());
    const { outputs } = await session.run({ x });
    await session.release();
    const want = new Float64Array(8);
    for (let b = 0; b < 4; b++) {
      const r = [0, 1].map((n) => [0, 1, 2].reduce((s, k) => s + (x.data[b * 3 + k] as number) * (w.data[k * 2 + n] as number), 0));
      const mu = (r[0]! + r[1]!) / 2;
      const variance = ((r[0]! - mu) ** 2 + (r[1]! - mu) ** 2) / 2;
      r.forEach((v, n) => (want[n * 4 + b] = ((v - mu) / Math.sqrt(variance + 1e-5)) * (scale.data[n] as number)));
    }
    assertClose(outF32(outputs, "y", [2, 4]), want, "tiny graph", { atol: 1e-5 });
  });

  test("a graph of 20000 nodes serialises", () => {
    const g = new Graph("long");
    let x = g.addInput("x", "f32", [4]);
    for (let i = 0; i < 20_000; i++) x = ops.neg(x);
    g.addOutput(x, "y");
    const graph = msg(one(decode(serializeModel(g)), 7));
    assert.equal(all(graph, 1).length, 20_001, "20000 Neg nodes and the Identity that names the output");
  });
});

describe("external-data initializers", () => {
  const w = randT([3, 2], 301);
  const PREFIX = 5; // an unaligned offset

  function externalGraph(location: string): Graph {
    const g = new Graph("external");
    const x = g.addInput("x", "f32", ["B", 3]);
    const wv = g.addInitializer("w", { kind: "external", dtype: "f32", dims: [3, 2], location, offset: PREFIX, length: 24 });
    g.addOutput(ops.matmul(x, wv), "y");
    return g;
  }

  test("TensorProto has data_location = EXTERNAL and location/offset/length entries, no raw_data", () => {
    const graph = msg(one(decode(serializeModel(externalGraph("weights.bin"))), 7));
    const t = msg(one(graph, 5));
    assert.equal(str(one(t, 8)), "w");
    assert.deepEqual(all(t, 1).map(int), [3, 2]);
    assert.equal(int(one(t, 2)), 1);
    assert.equal(int(one(t, 14)), 1, "data_location EXTERNAL");
    assert.equal(all(t, 9).length, 0, "no raw_data");
    const entries = all(t, 13)
      .map(msg)
      .map((e) => [str(one(e, 1)), str(one(e, 2))]);
    assert.deepEqual(entries, [
      ["location", "weights.bin"],
      ["offset", String(PREFIX)],
      ["length", "24"],
    ]);
  });

  test("ONNX Runtime reads the weights from the data file beside the .onnx file", async () => {
    const data = new Uint8Array(PREFIX + 24 + 3).fill(0xee);
    data.set(leF32(w.data), PREFIX);
    await writeFile(join(dir, "weights.bin"), data);
    const g = externalGraph("weights.bin");
    const path = join(dir, "model.onnx");
    await writeFile(path, serializeModel(g));
    const session = await engine.load(g, {}, path);
    const x = randT([2, 3], 302);
    const { outputs } = await session.run({ x });
    await session.release();
    const want = new Float64Array(4);
    for (let b = 0; b < 2; b++) {
      for (let n = 0; n < 2; n++)
        want[b * 2 + n] = [0, 1, 2].reduce((s, k) => s + (x.data[b * 3 + k] as number) * (w.data[k * 2 + n] as number), 0);
    }
    assertClose(outF32(outputs, "y", [2, 2]), want, "external weights", { atol: 1e-6 });
  });

  test("a missing data file is a SessionCreateError naming the graph", async () => {
    const g = externalGraph("missing.bin");
    const path = join(dir, "missing.onnx");
    await writeFile(path, serializeModel(g));
    await assert.rejects(
      engine.load(g, {}, path),
      (e: unknown) => e instanceof SessionCreateError && e.graph === "external" && /external/.test(e.message),
    );
  });
});
