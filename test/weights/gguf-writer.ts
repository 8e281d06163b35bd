/**
 * A minimal GGUF v3 writer for tests (the project reads GGUF and writes none): string metadata,
 * F32 tensors, and Q8_0 tensors quantized as ggml's quantize_row_q8_0_ref does (per 32 values
 * d = amax / 127 stored as float16, q = round(x / d) as int8). Tensor dims are written reversed
 * (ne0 is the last, fastest axis), data aligned to 32 bytes, names as given (BFL keys).
 */
import { writeFile } from "node:fs/promises";
import { f32ToHalfBits } from "../../src/numeric/float16.js";
import type { Tensor } from "../../src/tensor.js";

export type GgufWriteType = "F32" | "Q8_0";

const GGML_TYPE_ID: Readonly<Record<GgufWriteType, number>> = { F32: 0, Q8_0: 8 };
const ALIGNMENT = 32;
const STRING_TYPE = 8;

function q8_0(values: Float32Array): Uint8Array {
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j] as number));
    const d = Math.fround(amax / 127);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    view.setUint16(b * 34, f32ToHalfBits(d), true);
    for (let j = 0; j < 32; j++) {
      const x = Math.fround((values[b * 32 + j] as number) * id);
      view.setInt8(b * 34 + 2 + j, Math.sign(x) * Math.floor(Math.abs(x) + 0.5)); // roundf: half away from zero
    }
  }
  return out;
}

class Bytes {
  private readonly parts: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }
  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.push(b);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const extra = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (extra > 0) this.push(new Uint8Array(extra));
  }
  concat(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** Writes `tensors` (float32) to `path`, each as `typeOf(name, dims)` says; Q8_0 needs a last axis of a multiple of 32. */
export async function writeGguf(
  path: string,
  tensors: ReadonlyMap<string, Tensor<"f32">>,
  typeOf: (name: string, dims: readonly number[]) => GgufWriteType,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const header = new Bytes();
  header.u32(0x46554747);
  header.u32(3);
  header.u64(tensors.size);
  header.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    header.str(key);
    header.u32(STRING_TYPE);
    header.str(value);
  }
  const data = new Bytes();
  for (const [name, t] of tensors) {
    const type = typeOf(name, t.dims);
    if (type === "Q8_0" && (t.dims.at(-1) ?? 0) % 32 !== 0) throw new Error(`${name}: Q8_0 needs a last axis of a multiple of 32`);
    const bytes = type === "Q8_0" ? q8_0(t.data) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header.str(name);
    header.u32(t.dims.length);
    for (const n of [...t.dims].reverse()) header.u64(n);
    header.u32(GGML_TYPE_ID[type]);
    header.u64(data.length);
    data.push(bytes);
    data.pad();
  }
  header.pad();
  await writeFile(path, Buffer.concat([header.concat(), data.concat()]));
}
