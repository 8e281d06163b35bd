import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { encodeSafetensorsHeader, writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import { TensorDTypeError } from "../../../src/weights/errors.js";
import type { Tensor } from "../../../src/tensor.js";
import { bytesOf, craftFile, GOLDEN, leBytes, tempDirForTests } from "../helpers.js";
import { goldenSkip } from "../../golden-paths.js";

const dir = tempDirForTests();

const EVERY_DTYPE: Record<string, Tensor> = {
  f32: { dtype: "f32", dims: [2, 3], data: Float32Array.from([1, -2.5, 3e-8, Infinity, -0, 7]) },
  f16: { dtype: "f16", dims: [3], data: Uint16Array.from([0x3c00, 0xfbff, 0x0001]) },
  bf16: { dtype: "bf16", dims: [2, 1], data: Uint16Array.from([0x3f80, 0xc0a0]) },
  f64: { dtype: "f64", dims: [2], data: Float64Array.from([Math.PI, -1e300]) },
  i64: { dtype: "i64", dims: [2], data: BigInt64Array.from([-(2n ** 62n), 123n]) },
  i32: { dtype: "i32", dims: [1, 2], data: Int32Array.from([-7, 2 ** 31 - 1]) },
  i8: { dtype: "i8", dims: [3], data: Int8Array.from([-128, 0, 127]) },
  u8: { dtype: "u8", dims: [1], data: Uint8Array.from([255]) },
  bool: { dtype: "bool", dims: [2], data: Uint8Array.from([1, 0]) },
  scalar_f32: { dtype: "f32", dims: [], data: Float32Array.from([0.25]) },
  scalar_i64: { dtype: "i64", dims: [], data: BigInt64Array.from([5n]) },
  empty: { dtype: "f32", dims: [0, 4], data: new Float32Array(0) },
};

describe("safetensors round trip", () => {
  test("every dtype, 0-d scalars and empty tensors survive write + read bit for bit", async () => {
    const path = join(dir, "all.safetensors");
    await writeSafetensors(path, EVERY_DTYPE, { format: "pt", note: "ünïcode" });
    const src = await openSafetensors(path);
    try {
      assert.deepEqual(src.names().sort(), Object.keys(EVERY_DTYPE).sort());
      assert.deepEqual(src.metadata(), { format: "pt", note: "ünïcode" });
      for (const [name, want] of Object.entries(EVERY_DTYPE)) {
        const got = await src.read(name);
        assert.equal(got.dtype, want.dtype, name);
        assert.deepEqual(got.dims, want.dims, name);
        assert.deepEqual(bytesOf(got.data), bytesOf(want.data), name);
      }
    } finally {
      await src.close();
    }
  });

  test("the writer pads the header to 8 bytes and lays tensors out in order without gaps", async () => {
    const path = join(dir, "layout.safetensors");
    const tensors = new Map<string, Tensor>([
      ["b", { dtype: "u8", dims: [3], data: Uint8Array.from([1, 2, 3]) }],
      ["a", { dtype: "f32", dims: [1], data: Float32Array.from([1]) }],
    ]);
    await writeSafetensors(path, tensors);
    const bytes = await readFile(path);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    assert.equal(bytes.length, 8 + n + 7);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
    assert.deepEqual(header.b, { dtype: "U8", shape: [3], data_offsets: [0, 3] });
    assert.deepEqual(header.a, { dtype: "F32", shape: [1], data_offsets: [3, 7] });
    assert.equal(
      bytes
        .subarray(8, 8 + n)
        .toString("utf8")
        .trimEnd(),
      JSON.stringify(header),
    );
    assert.deepEqual(encodeSafetensorsHeader(tensors), new Uint8Array(bytes.subarray(0, 8 + n)));
  });

  test("writing replaces an existing file and leaves no temp file behind; a failed write removes its temp file", async () => {
    const sub = join(dir, "atomic");
    await mkdir(join(sub, "target.safetensors"), { recursive: true });
    await assert.rejects(writeSafetensors(join(sub, "target.safetensors"), EVERY_DTYPE));
    assert.deepEqual(await readdir(sub), ["target.safetensors"]);
    const path = join(sub, "ok.safetensors");
    await writeSafetensors(path, { x: EVERY_DTYPE["u8"] as Tensor });
    await writeSafetensors(path, { y: EVERY_DTYPE["i8"] as Tensor });
    assert.deepEqual((await readdir(sub)).sort(), ["ok.safetensors", "target.safetensors"]);
    const src = await openSafetensors(path);
    assert.deepEqual(src.names(), ["y"]);
    await src.close();
  });

  test("unaligned offsets (odd header length) read correctly from a hand-made file", async () => {
    // Header padded to an odd length; tensors: u8 [3] at 0, f32 [2] at 3, f64 [1] at 11, bf16 [1] at 19.
    const data = leBytes(21, (v) => {
      v.setUint8(0, 9);
      v.setUint8(1, 8);
      v.setUint8(2, 7);
      v.setFloat32(3, 1.5, true);
      v.setFloat32(7, -0.125, true);
      v.setFloat64(11, Math.E, true);
      v.setUint16(19, 0x4049, true);
    });
    const header = JSON.stringify({
      u: { dtype: "U8", shape: [3], data_offsets: [0, 3] },
      f: { dtype: "F32", shape: [2], data_offsets: [3, 11] },
      d: { dtype: "F64", shape: [], data_offsets: [11, 19] },
      h: { dtype: "BF16", shape: [1], data_offsets: [19, 21] },
    });
    const pad = (header.length % 2 === 0 ? 1 : 0) + 2;
    const path = await craftFile(join(dir, "unaligned.safetensors"), header, data, pad);
    const src = await openSafetensors(path);
    try {
      assert.equal((header.length + pad) % 2, 1);
      assert.equal(src.entry("f").fileOffset, 8 + header.length + pad + 3);
      assert.deepEqual([...(await src.read("u")).data], [9, 8, 7]);
      const f = await src.read("f");
      assert.ok(f.data instanceof Float32Array);
      assert.equal(f.data.byteOffset % 4, 0);
      assert.deepEqual([...f.data], [1.5, -0.125]);
      assert.deepEqual([...(await src.read("d")).data], [Math.E]);
      assert.deepEqual((await src.read("d")).dims, []);
      assert.deepEqual([...(await src.readF32("h")).data], [Math.fround(3.140625)]);
      assert.deepEqual(src.metadata(), {});
    } finally {
      await src.close();
    }
  });

  test("readF32 upcasts f16/bf16 exactly, rounds f64, and refuses integers", async () => {
    const path = join(dir, "f32.safetensors");
    await writeSafetensors(path, {
      h: { dtype: "f16", dims: [4], data: Uint16Array.from([0x3e00, 0xc000, 0x7bff, 0x0001]) },
      b: { dtype: "bf16", dims: [2], data: Uint16Array.from([0x3f81, 0xff80]) },
      d: { dtype: "f64", dims: [1], data: Float64Array.from([0.1]) },
      i: { dtype: "i64", dims: [1], data: BigInt64Array.from([1n]) },
      q: { dtype: "bool", dims: [1], data: Uint8Array.from([1]) },
    });
    const src = await openSafetensors(path);
    try {
      assert.deepEqual([...(await src.readF32("h")).data], [1.5, -2, 65504, 2 ** -24]);
      assert.deepEqual([...(await src.readF32("b")).data], [1 + 2 ** -7, -Infinity]);
      assert.deepEqual([...(await src.readF32("d")).data], [Math.fround(0.1)]);
      for (const name of ["i", "q"]) {
        await assert.rejects(
          src.readF32(name),
          (e: unknown) => e instanceof TensorDTypeError && e.message.includes(path) && e.message.includes(name),
        );
      }
    } finally {
      await src.close();
    }
  });
});

/** float32 bits -> bfloat16 bits, round to nearest even (finite values). */
function rneBf16(bits: number): number {
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

describe("golden T1 files", { skip: goldenSkip }, () => {
  test("t1_bfl_f32: 84 tensors, img_in.weight [128, 384], metadata format pt", async () => {
    const src = await openSafetensors(join(GOLDEN, "t1_bfl_f32.safetensors"));
    try {
      assert.equal(src.names().length, 84);
      const e = src.entry("img_in.weight");
      assert.deepEqual(e.dims, [128, 384]);
      assert.equal(e.dtype, "f32");
      assert.equal(e.byteLength, 128 * 384 * 4);
      assert.deepEqual(src.metadata(), { format: "pt", golden_weight_id: "t1_bfl_f32" });
      assert.deepEqual(src.entry("double_blocks.1.img_attn.qkv.weight").dims, [384, 128]);
      assert.deepEqual(src.entry("single_blocks.0.linear1.weight").dims, [896, 128]);
    } finally {
      await src.close();
    }
  });

  test("t1_bfl_bf16 is t1_bfl_f32 rounded to bf16 (nearest even), tensor for tensor", async () => {
    const f32 = await openSafetensors(join(GOLDEN, "t1_bfl_f32.safetensors"));
    const bf16 = await openSafetensors(join(GOLDEN, "t1_bfl_bf16.safetensors"));
    try {
      assert.deepEqual(bf16.names().sort(), f32.names().sort());
      assert.equal(bf16.metadata()["format"], "pt");
      for (const name of f32.names()) {
        const x = await f32.read(name);
        const b = await bf16.read(name);
        assert.equal(b.dtype, "bf16");
        assert.deepEqual(b.dims, x.dims);
        const xBits = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length);
        const bBits = b.data as Uint16Array;
        const up = await bf16.readF32(name);
        const upBits = new Uint32Array(up.data.buffer, up.data.byteOffset, up.data.length);
        for (let i = 0; i < xBits.length; i++) {
          const want = rneBf16(xBits[i] ?? 0);
          if (bBits[i] !== want || upBits[i] !== want * 65536) assert.fail(`${name}[${i}]: bf16 ${bBits[i]} vs rne ${want}`);
        }
      }
    } finally {
      await f32.close();
      await bf16.close();
    }
  });
});
