/**
 * The GGUF reader on files built byte by byte here (not by any writer of the project): every value
 * type including nested arrays, non-default alignment, the ComfyUI prefix, hand-computed block
 * values, a header larger than the first read, and each validation error.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MissingTensorError, TensorOffsetError, TruncatedFileError, type WeightsFileError } from "../../src/weights/errors.js";
import {
  GgufFormatError,
  NotBlockQuantizedError,
  openGguf,
  UnsupportedGgmlTypeError,
  UnsupportedGgufVersionError,
} from "../../src/weights/gguf/index.js";
import { tempDirForTests } from "./helpers.js";

const dir = tempDirForTests();

/** Little-endian byte writer. */
class Bytes {
  private readonly out: number[] = [];
  get length(): number {
    return this.out.length;
  }
  private put(n: number, fill: (v: DataView) => void): this {
    const b = new Uint8Array(n);
    fill(new DataView(b.buffer));
    this.out.push(...b);
    return this;
  }
  u8(v: number): this {
    return this.put(1, (d) => d.setUint8(0, v));
  }
  i8(v: number): this {
    return this.put(1, (d) => d.setInt8(0, v));
  }
  u16(v: number): this {
    return this.put(2, (d) => d.setUint16(0, v, true));
  }
  i16(v: number): this {
    return this.put(2, (d) => d.setInt16(0, v, true));
  }
  u32(v: number): this {
    return this.put(4, (d) => d.setUint32(0, v, true));
  }
  i32(v: number): this {
    return this.put(4, (d) => d.setInt32(0, v, true));
  }
  f32(v: number): this {
    return this.put(4, (d) => d.setFloat32(0, v, true));
  }
  f64(v: number): this {
    return this.put(8, (d) => d.setFloat64(0, v, true));
  }
  u64(v: number | bigint): this {
    return this.put(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  i64(v: bigint): this {
    return this.put(8, (d) => d.setBigInt64(0, v, true));
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u64(b.length).raw(b);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i] as number);
    return this;
  }
  padTo(alignment: number): this {
    while (this.out.length % alignment !== 0) this.out.push(0);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const T = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q8_0: 8, Q4_K: 12, BF16: 30 };

interface TensorSpec {
  name: string;
  ne: number[];
  type: number;
  data: Uint8Array;
  /** Default: packed one after the other, each at the next multiple of the alignment. */
  offset?: number;
  /** Write this many dims instead of ne.length (for n_dims errors). */
  nDims?: number;
}

interface FileSpec {
  magic?: number;
  version?: number;
  /** Each writes one key/value (key string, type, value). */
  kv?: Array<(b: Bytes) => void>;
  tensors?: TensorSpec[];
  alignment?: number;
  /** Cut the file to this many bytes. */
  cut?: number;
}

function buildGguf(spec: FileSpec): Uint8Array {
  const alignment = spec.alignment ?? 32;
  const tensors = spec.tensors ?? [];
  const kv = spec.kv ?? [];
  const b = new Bytes()
    .u32(spec.magic ?? 0x46554747)
    .u32(spec.version ?? 3)
    .u64(tensors.length)
    .u64(kv.length);
  for (const write of kv) write(b);
  let next = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const offset = t.offset ?? next;
    offsets.push(offset);
    next = Math.ceil((offset + t.data.length) / alignment) * alignment;
    b.str(t.name).u32(t.nDims ?? t.ne.length);
    for (const d of t.ne) b.u64(d);
    b.u32(t.type).u64(offset);
  }
  b.padTo(alignment);
  const start = b.length;
  const body = new Uint8Array(tensors.reduce((m, t, i) => Math.max(m, (offsets[i] as number) + t.data.length), 0));
  tensors.forEach((t, i) => body.set(t.data, offsets[i] as number));
  const all = new Uint8Array(start + body.length);
  all.set(b.bytes());
  all.set(body, start);
  return spec.cut === undefined ? all : all.subarray(0, spec.cut);
}

let counter = 0;
async function write(spec: FileSpec | Uint8Array): Promise<string> {
  const path = join(dir, `t${counter++}.gguf`);
  await writeFile(path, spec instanceof Uint8Array ? spec : buildGguf(spec));
  return path;
}

const kvU32 =
  (key: string, v: number) =>
  (b: Bytes): void =>
    void b.str(key).u32(4).u32(v);
const kvStr =
  (key: string, v: string) =>
  (b: Bytes): void =>
    void b.str(key).u32(8).str(v);

function f32Bytes(values: number[]): Uint8Array {
  const b = new Bytes();
  for (const v of values) b.f32(v);
  return b.bytes();
}

/** A Q8_0 block: f16 bits of d, then 32 int8. */
function q8Block(dBits: number, q: (j: number) => number): number[] {
  const b = new Bytes().u16(dBits);
  for (let j = 0; j < 32; j++) b.i8(q(j));
  return [...b.bytes()];
}

const F32_TENSOR: TensorSpec = { name: "a.weight", ne: [3, 2], type: T.F32, data: f32Bytes([1, 2, 3, 4, 5, 6]) };

describe("GGUF crafted: reading", () => {
  test("all value types, nested arrays, alignment 128, prefix stripping, every tensor type with hand-computed values", async () => {
    const kv = [
      (b: Bytes) => void b.str("u8").u32(0).u8(250),
      (b: Bytes) => void b.str("i8").u32(1).i8(-5),
      (b: Bytes) => void b.str("u16").u32(2).u16(65535),
      (b: Bytes) => void b.str("i16").u32(3).i16(-2),
      kvU32("general.alignment", 128),
      (b: Bytes) => void b.str("i32").u32(5).i32(-7),
      (b: Bytes) => void b.str("f32").u32(6).f32(-1.5),
      (b: Bytes) => void b.str("bool").u32(7).u8(0),
      kvStr("empty", ""),
      (b: Bytes) =>
        void b
          .str("u64")
          .u32(10)
          .u64(2n ** 64n - 1n),
      (b: Bytes) =>
        void b
          .str("i64")
          .u32(11)
          .i64(-(2n ** 63n)),
      (b: Bytes) => void b.str("f64").u32(12).f64(1e-300),
      (b: Bytes) => void b.str("nested").u32(9).u32(9).u64(2).u32(5).u64(2).i32(1).i32(2).u32(8).u64(1).str("x"),
      (b: Bytes) => void b.str("no_items").u32(9).u32(8).u64(0),
    ];
    // Q8_0 [2, 64]: d = 0.5 (f16 0x3800), q = j - 16 in row 0 block 0, then other patterns.
    const q8 = [
      ...q8Block(0x3800, (j) => j - 16),
      ...q8Block(0xb800, (j) => 127 - j),
      ...q8Block(0x3c00, () => -128),
      ...q8Block(0, (j) => j),
    ];
    // Q4_0 [1, 32]: d = -2 (f16 0xc000); byte j = low nibble j % 16, high nibble 15 - j.
    const q4 = [0x00, 0xc0, ...Array.from({ length: 16 }, (_, j) => (j & 15) | ((15 - j) << 4))];
    const path = await write({
      alignment: 128,
      kv,
      tensors: [
        { ...F32_TENSOR, name: "model.diffusion_model.a.weight" },
        { name: "model.diffusion_model.h", ne: [2], type: T.F16, data: Uint8Array.from([0x00, 0x3c, 0x00, 0xc1]) },
        { name: "bf", ne: [1], type: T.BF16, data: Uint8Array.from([0x80, 0x3f]) },
        { name: "q8", ne: [64, 2], type: T.Q8_0, data: Uint8Array.from(q8) },
        { name: "q4", ne: [32, 1, 1], type: T.Q4_0, data: Uint8Array.from(q4) },
        { name: "cube", ne: [4, 3, 2], type: T.F32, data: f32Bytes(Array.from({ length: 24 }, (_, i) => i)) },
      ],
    });
    const g = await openGguf(path);
    try {
      assert.equal(g.gguf.alignment, 128);
      assert.equal(g.gguf.dataStart % 128, 0);
      assert.deepEqual(g.names(), ["a.weight", "h", "bf", "q8", "q4", "cube"]);
      assert.equal(g.entry("a.weight").storedName, "model.diffusion_model.a.weight");
      assert.equal(g.entry("q8").fileOffset, g.gguf.dataStart + 3 * 128);
      assert.equal(g.entry("q8").byteLength, 4 * 34);
      const m = g.gguf.metadata;
      assert.deepEqual(m.get("u64"), { type: "UINT64", value: 2n ** 64n - 1n });
      assert.deepEqual(m.get("i64"), { type: "INT64", value: -(2n ** 63n) });
      assert.deepEqual(m.get("bool"), { type: "BOOL", value: false });
      assert.deepEqual(m.get("empty"), { type: "STRING", value: "" });
      assert.deepEqual(m.get("no_items"), { type: "ARRAY", elementType: "STRING", value: [] });
      assert.deepEqual(m.get("nested"), {
        type: "ARRAY",
        elementType: "ARRAY",
        value: [
          {
            type: "ARRAY",
            elementType: "INT32",
            value: [
              { type: "INT32", value: 1 },
              { type: "INT32", value: 2 },
            ],
          },
          { type: "ARRAY", elementType: "STRING", value: [{ type: "STRING", value: "x" }] },
        ],
      });
      assert.equal(g.metadata()["nested"], '[[1,2],["x"]]');
      assert.equal(g.metadata()["f32"], "-1.5");
      assert.equal(g.metadata()["u16"], "65535");
      assert.equal(g.metadata()["i8"], "-5");

      assert.deepEqual((await g.read("a.weight")).dims, [2, 3]);
      assert.deepEqual([...(await g.readF32("a.weight")).data], [1, 2, 3, 4, 5, 6]);
      const h = await g.read("h");
      assert.equal(h.dtype, "f16");
      assert.deepEqual([...(await g.readF32("h")).data], [1, -2.5]);
      assert.equal((await g.read("bf")).dtype, "bf16");
      assert.deepEqual([...(await g.readF32("bf")).data], [1]);
      assert.deepEqual((await g.read("cube")).dims, [2, 3, 4]);

      const q8v = await g.readF32("q8");
      assert.deepEqual(q8v.dims, [2, 64]);
      const want8 = [
        ...Array.from({ length: 32 }, (_, j) => 0.5 * (j - 16)),
        ...Array.from({ length: 32 }, (_, j) => -0.5 * (127 - j)),
        ...Array.from({ length: 32 }, () => -128),
        ...Array.from({ length: 32 }, () => 0),
      ];
      assert.deepEqual([...q8v.data], want8);
      const b8 = await g.readBlocks("q8");
      assert.equal(b8.type, "Q8_0");
      assert.deepEqual([b8.rows, b8.cols], [2, 64]);
      assert.deepEqual([...b8.scales], [0.5, -0.5, 1, 0]);

      const q4v = await g.readF32("q4");
      assert.deepEqual(q4v.dims, [1, 1, 32]);
      const want4 = [...Array.from({ length: 16 }, (_, j) => -2 * (j - 8)), ...Array.from({ length: 16 }, (_, j) => -2 * (15 - j - 8))];
      assert.deepEqual([...q4v.data], want4);
      const b4 = await g.readBlocks("q4");
      assert.equal(b4.type, "Q4_0");
      assert.deepEqual([b4.rows, b4.cols], [1, 32]);
      assert.deepEqual([...b4.codes], q4.slice(2));
      assert.equal(g.entry("q4").dtype, "f32");
      assert.equal((await g.read("q4")).dtype, "f32");

      await assert.rejects(g.readBlocks("h"), NotBlockQuantizedError);
      assert.throws(() => g.entry("model.diffusion_model.a.weight"), MissingTensorError);
    } finally {
      await g.close();
    }
  });

  test("a header longer than the first read (a 3 MB string array) is read in full", async () => {
    const words = Array.from({ length: 30000 }, (_, i) => `token_${i}_${"x".repeat(90)}`);
    const path = await write({
      kv: [
        (b: Bytes) => {
          b.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(words.length);
          for (const w of words) b.str(w);
        },
      ],
      tensors: [F32_TENSOR],
    });
    const g = await openGguf(path);
    try {
      const v = g.gguf.metadata.get("tokenizer.ggml.tokens");
      assert.ok(v?.type === "ARRAY" && v.value.length === words.length);
      assert.deepEqual(v.value[29999], { type: "STRING", value: words[29999] });
      assert.deepEqual([...(await g.readF32("a.weight")).data], [1, 2, 3, 4, 5, 6]);
    } finally {
      await g.close();
    }
  });

  test("an empty file with no tensors opens", async () => {
    const g = await openGguf(await write({}));
    assert.deepEqual(g.names(), []);
    await g.close();
  });
});

/** Opening `spec` fails with `type`, and the message names the file and matches `pattern`. */
async function refuses(
  spec: FileSpec | Uint8Array,
  type: abstract new (...args: never[]) => WeightsFileError,
  pattern: RegExp,
): Promise<void> {
  const path = await write(spec);
  await assert.rejects(openGguf(path), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("GGUF crafted: validation", () => {
  test("bad magic", () => refuses({ magic: 0x4e454b4f }, GgufFormatError, /magic/));
  test("a safetensors file is not GGUF", () =>
    refuses(
      Uint8Array.from([16, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32]),
      GgufFormatError,
      /magic/,
    ));
  test("unsupported versions", async () => {
    await refuses({ version: 2 }, UnsupportedGgufVersionError, /version 2 is not supported/);
    await refuses({ version: 4 }, UnsupportedGgufVersionError, /version 4/);
    await refuses({ version: 0x03000000 }, UnsupportedGgufVersionError, /big-endian/);
  });
  test("truncated: too short for the magic, inside the metadata, inside the tensor infos", async () => {
    await refuses(Uint8Array.from([0x47, 0x47]), TruncatedFileError, /truncated/);
    const full = buildGguf({ kv: [kvStr("general.name", "something long enough")], tensors: [F32_TENSOR] });
    await refuses(full.subarray(0, 40), TruncatedFileError, /metadata/);
    await refuses(full.subarray(0, 90), TruncatedFileError, /a\.weight|tensor/);
  });
  test("absurd counts are refused before looping", async () => {
    await refuses(new Bytes().u32(0x46554747).u32(3).u64(0).u64(1e12).bytes(), TruncatedFileError, /kv_count/);
    await refuses(
      {
        kv: [
          (b: Bytes) =>
            void b
              .str("arr")
              .u32(9)
              .u32(4)
              .u64(2 ** 40),
        ],
      },
      TruncatedFileError,
      /element count/,
    );
  });
  test("tensor data past the end of the file", () =>
    refuses({ tensors: [F32_TENSOR], cut: buildGguf({ tensors: [F32_TENSOR] }).length - 4 }, TruncatedFileError, /tensor a\.weight/));
  test("misaligned tensor offsets", async () => {
    await refuses({ tensors: [{ ...F32_TENSOR, offset: 16 }] }, TensorOffsetError, /a\.weight.*not a multiple of the alignment 32/);
    await refuses(
      { alignment: 64, kv: [kvU32("general.alignment", 64)], tensors: [{ ...F32_TENSOR, offset: 32 }] },
      TensorOffsetError,
      /alignment 64/,
    );
  });
  test("overlapping tensors", () =>
    refuses({ tensors: [F32_TENSOR, { ...F32_TENSOR, name: "b.weight", offset: 0 }] }, TensorOffsetError, /overlap/));
  test("more than 4 dimensions", () =>
    refuses({ tensors: [{ ...F32_TENSOR, ne: [1, 1, 1, 3, 2], nDims: 5 }] }, GgufFormatError, /5 dimensions/));
  test("block types need rows that are a multiple of 32", () =>
    refuses(
      { tensors: [{ name: "q", ne: [48, 1], type: T.Q8_0, data: new Uint8Array(51) }] },
      GgufFormatError,
      /tensor q is Q8_0 with rows of 48/,
    ));
  test("other ggml types are refused by name", async () => {
    await refuses({ tensors: [{ ...F32_TENSOR, type: T.Q4_1 }] }, UnsupportedGgmlTypeError, /a\.weight has ggml type Q4_1/);
    await refuses({ tensors: [{ ...F32_TENSOR, type: T.Q5_0 }] }, UnsupportedGgmlTypeError, /Q5_0/);
    await refuses({ tensors: [{ ...F32_TENSOR, type: T.Q4_K }] }, UnsupportedGgmlTypeError, /Q4_K/);
    await refuses({ tensors: [{ ...F32_TENSOR, type: 99 }] }, UnsupportedGgmlTypeError, /unknown ggml type 99/);
  });
  test("unknown metadata value types, bad alignment, invalid UTF-8, duplicates", async () => {
    await refuses({ kv: [(b: Bytes) => void b.str("k").u32(13).u32(0)] }, GgufFormatError, /value type 13/);
    await refuses({ kv: [kvU32("general.alignment", 24)] }, GgufFormatError, /general\.alignment/);
    await refuses({ kv: [kvStr("general.alignment", "32")] }, GgufFormatError, /general\.alignment/);
    await refuses({ kv: [(b: Bytes) => void b.str("k").u32(8).u64(2).raw([0xc3, 0x28])] }, GgufFormatError, /UTF-8/);
    await refuses({ kv: [kvU32("k", 1), kvU32("k", 2)] }, GgufFormatError, /twice/);
    await refuses({ tensors: [F32_TENSOR, { ...F32_TENSOR, offset: 32 }] }, GgufFormatError, /twice/);
    await refuses(
      { tensors: [F32_TENSOR, { ...F32_TENSOR, name: "model.diffusion_model.a.weight", offset: 32 }] },
      GgufFormatError,
      /both become a\.weight/,
    );
  });
});
