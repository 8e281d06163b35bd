import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  ClosedSourceError,
  InvalidHeaderError,
  MissingFileError,
  MissingTensorError,
  ShapeMismatchError,
  TensorOffsetError,
  TruncatedFileError,
  UnknownDTypeError,
  WeightsFileError,
} from "../../../src/weights/errors.js";
import { IceditError } from "../../../src/errors.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { craftFile, tempDirForTests } from "../helpers.js";

const dir = tempDirForTests();

type ErrorClass = new (...args: never[]) => WeightsFileError;

/** Opening `path` fails with `kind`, whose message names the file and contains `parts`. */
async function rejectsOpen(path: string, kind: ErrorClass, ...parts: string[]): Promise<void> {
  await assert.rejects(openSafetensors(path), (e: unknown) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${String(e)}`);
    assert.ok(e instanceof WeightsFileError && e instanceof IceditError);
    assert.equal(e.file, path);
    assert.ok(e.message.includes(path), e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

const F32x2 = { dtype: "F32", shape: [2], data_offsets: [0, 8] };

describe("safetensors open errors", () => {
  test("file shorter than 8 bytes", async () => {
    const path = join(dir, "short.safetensors");
    await writeFile(path, new Uint8Array(5));
    await rejectsOpen(path, TruncatedFileError, "5 bytes", "re-download");
  });

  test("header length past the end of the file", async () => {
    const path = join(dir, "past.safetensors");
    const bytes = new Uint8Array(20);
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    await writeFile(path, bytes);
    await rejectsOpen(path, TruncatedFileError, "1000", "12");
  });

  test("absurd header length, with a hint for a GGUF file", async () => {
    const path = join(dir, "model.gguf.safetensors");
    const bytes = new Uint8Array(64);
    bytes.set(new TextEncoder().encode("GGUF"), 0);
    bytes[4] = 3;
    await writeFile(path, bytes);
    await rejectsOpen(path, InvalidHeaderError, "absurd", "GGUF");
  });

  test("header not valid UTF-8", async () => {
    const path = await craftFile(join(dir, "utf8.safetensors"), Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]));
    await rejectsOpen(path, InvalidHeaderError, "UTF-8 JSON");
  });

  test("header not JSON", async () => {
    const path = await craftFile(join(dir, "json.safetensors"), "{not json");
    await rejectsOpen(path, InvalidHeaderError, "JSON");
  });

  test("header JSON not an object", async () => {
    const path = await craftFile(join(dir, "array.safetensors"), "[1, 2]");
    await rejectsOpen(path, InvalidHeaderError, "object");
  });

  const badEntries: [string, unknown, string][] = [
    ["entry not an object", 5, "entry must be an object"],
    ["no dtype", { shape: [2], data_offsets: [0, 8] }, '"dtype"'],
    ["no shape", { dtype: "F32", data_offsets: [0, 8] }, '"shape"'],
    ["no data_offsets", { dtype: "F32", shape: [2] }, '"data_offsets"'],
    ["shape with a negative dim", { dtype: "F32", shape: [-2], data_offsets: [0, 8] }, '"shape"'],
    ["shape with a fraction", { dtype: "F32", shape: [1.5], data_offsets: [0, 8] }, '"shape"'],
    ["dtype a number", { dtype: 7, shape: [2], data_offsets: [0, 8] }, '"dtype"'],
    ["data_offsets of length 3", { dtype: "F32", shape: [2], data_offsets: [0, 4, 8] }, '"data_offsets"'],
    ["data_offsets as strings", { dtype: "F32", shape: [2], data_offsets: ["0", "8"] }, '"data_offsets"'],
  ];
  for (const [label, entry, part] of badEntries) {
    test(`entry with wrong fields: ${label}`, async () => {
      const path = await craftFile(join(dir, `entry-${label.replace(/\W+/g, "-")}.safetensors`), { w: entry }, new Uint8Array(8));
      await rejectsOpen(path, InvalidHeaderError, "tensor w", part);
    });
  }

  test("__metadata__ with a non-string value", async () => {
    const path = await craftFile(join(dir, "meta.safetensors"), { __metadata__: { total: 3 }, w: F32x2 }, new Uint8Array(8));
    await rejectsOpen(path, InvalidHeaderError, "__metadata__", "total");
  });

  test("unknown dtype names the dtype and lists the supported ones", async () => {
    const path = await craftFile(
      join(dir, "fp8.safetensors"),
      { w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } },
      new Uint8Array(2),
    );
    await rejectsOpen(path, UnknownDTypeError, "tensor w", "F8_E4M3", "F32, F16, BF16, F64, I64, I32, I8, U8, BOOL");
    const u16 = await craftFile(join(dir, "u16.safetensors"), { w: { dtype: "U16", shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2));
    await rejectsOpen(u16, UnknownDTypeError, "U16");
  });

  const badOffsets: { title: string; file: string; header: object; bytes: number; kind: ErrorClass; parts: string[] }[] = [
    {
      title: "data_offsets end before begin",
      file: "backwards",
      header: { w: { dtype: "U8", shape: [0], data_offsets: [8, 0] } },
      bytes: 8,
      kind: TensorOffsetError,
      parts: ["tensor w", "[8, 0]"],
    },
    {
      title: "data_offsets of the wrong length for the shape",
      file: "length",
      header: { w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } },
      bytes: 12,
      kind: TensorOffsetError,
      parts: ["tensor w", "8 bytes", "needs 12"],
    },
    {
      title: "data_offsets past the end of the data section (truncated file)",
      file: "trunc",
      header: { a: F32x2, w: { dtype: "F32", shape: [4], data_offsets: [8, 24] } },
      bytes: 20,
      kind: TruncatedFileError,
      parts: ["tensor w", "24 bytes of data", "file has 20", "re-download"],
    },
    {
      title: "overlapping tensors",
      file: "overlap",
      header: { a: F32x2, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } },
      bytes: 12,
      kind: TensorOffsetError,
      parts: ["tensor b", "overlap", "tensor a"],
    },
  ];
  for (const { title, file, header, bytes, kind, parts } of badOffsets) {
    test(title, async () => {
      const path = await craftFile(join(dir, `${file}.safetensors`), header, new Uint8Array(bytes));
      await rejectsOpen(path, kind, ...parts);
    });
  }

  test("missing file", async () => {
    await rejectsOpen(join(dir, "nope.safetensors"), MissingFileError, "no such file");
  });
});

describe("safetensors use errors", () => {
  test("entry/read of a missing tensor name the tensor and the file; read after close", async () => {
    const path = await craftFile(join(dir, "one.safetensors"), { w: F32x2 }, new Uint8Array(8));
    const src = await openSafetensors(path);
    const isMissing = (e: unknown): boolean =>
      e instanceof MissingTensorError && e.tensor === "v" && e.message.includes(path) && e.message.includes("v");
    assert.throws(() => src.entry("v"), isMissing);
    await assert.rejects(src.read("v"), isMissing);
    assert.equal(src.has("w"), true);
    await src.close();
    await assert.rejects(src.read("w"), (e: unknown) => e instanceof ClosedSourceError && e.message.includes(path));
    await src.close();
  });

  test("ShapeMismatchError says expected vs actual and appends the hint", () => {
    const e = new ShapeMismatchError(
      "img_in.weight",
      "flux.safetensors",
      [3072, 384],
      [3072, 64],
      "a FLUX.1 dev checkpoint (64 input channels) was given where FLUX.1 Fill (384) is expected",
    );
    assert.ok(e instanceof WeightsFileError);
    assert.equal(e.file, "flux.safetensors");
    assert.equal(
      e.message,
      "tensor img_in.weight in flux.safetensors has shape [3072, 64], expected [3072, 384]: a FLUX.1 dev checkpoint (64 input channels) was given where FLUX.1 Fill (384) is expected",
    );
    assert.equal(new ShapeMismatchError("b", "f", [2], [3]).message, "tensor b in f has shape [3], expected [2]");
  });
});
