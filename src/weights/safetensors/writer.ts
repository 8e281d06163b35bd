/**
 * Writes tensors as a .safetensors file: tensors in the given order with no gaps, the header
 * padded with spaces to a multiple of 8 bytes, written atomically (temp file + rename).
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import { BYTES_PER_ELEMENT, numel, shapeString, type Tensor } from "../../tensor.js";
import { safetensorsDTypeName } from "./dtypes.js";

export type TensorMap = Record<string, Tensor> | ReadonlyMap<string, Tensor>;

function entriesOf(tensors: TensorMap): [string, Tensor][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

function checkTensor(name: string, t: Tensor): void {
  if (name === "__metadata__") throw new InvalidArgumentError(`"__metadata__" is reserved in safetensors and cannot name a tensor`);
  if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(`tensor ${name} has invalid dims ${shapeString(t.dims)}: dims must be non-negative integers`);
  }
  if (t.data.length !== numel(t.dims)) {
    throw new InvalidArgumentError(`tensor ${name} has ${t.data.length} values for shape ${shapeString(t.dims)} (needs ${numel(t.dims)})`);
  }
}

/** A tensor's place in a file about to be written: its name, dtype and dims (data written later, in order). */
export interface TensorLayout {
  readonly name: string;
  readonly dtype: Tensor["dtype"];
  readonly dims: readonly number[];
}

/** The 8-byte length plus the space-padded JSON header for `tensors`, laid out in order. */
export function encodeSafetensorsHeader(tensors: TensorMap, metadata?: Record<string, string>): Uint8Array {
  const layout = entriesOf(tensors).map(([name, t]): TensorLayout => {
    checkTensor(name, t);
    return { name, dtype: t.dtype, dims: t.dims };
  });
  return encodeLayoutHeader(layout, metadata);
}

/** The header for tensors whose data will be streamed after it, in this order with no gaps. */
export function encodeLayoutHeader(layout: readonly TensorLayout[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new InvalidArgumentError(`metadata value of "${k}" must be a string`);
    }
    header["__metadata__"] = metadata;
  }
  let offset = 0;
  for (const { name, dtype, dims } of layout) {
    if (name === "__metadata__") throw new InvalidArgumentError(`"__metadata__" is reserved in safetensors and cannot name a tensor`);
    const bytes = numel(dims) * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype: safetensorsDTypeName(dtype), shape: dims, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** The little-endian bytes of a tensor's data, without copying. */
function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Writes `tensors` (and optional str->str `metadata`) to `path`, replacing it atomically. */
export async function writeSafetensors(path: string, tensors: TensorMap, metadata?: Record<string, string>): Promise<void> {
  const header = encodeSafetensorsHeader(tensors, metadata);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    try {
      await handle.writeFile(header);
      for (const [, t] of entriesOf(tensors)) await handle.writeFile(bytesOf(t));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
