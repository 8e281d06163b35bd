/**
 * The GGUF reader on the golden files (docs/golden.md §1.2): header facts from the
 * manifest, every metadata value type, shapes, and values against the float32 source weights
 * (independent: the source file is safetensors, and the quantization error the generator measured
 * is in the manifest).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { f32ToHalfBits } from "../../src/numeric/float16.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import type { TensorSource } from "../../src/weights/source.js";
import { ClosedSourceError, MissingTensorError } from "../../src/weights/errors.js";
import { NotBlockQuantizedError, openGguf, type GgufFile } from "../../src/weights/gguf/index.js";
import { goldenFile, goldenSkip, haveGolden } from "../golden-paths.js";

interface ManifestWeights {
  file: string;
  num_tensors: number;
  gguf: { version: number; alignment: number; data_offset: number; kv_count: number; tensor_types: Record<string, number> };
}
interface Manifest {
  weights: Record<string, ManifestWeights>;
  cases: Array<{ name: string; params: Record<string, unknown> }>;
}

const IDS = ["t1_gguf_q8_0", "t1_gguf_q4_0", "t1_gguf_f16"] as const;
let manifest: Manifest;
let source: TensorSource;
before(async () => {
  if (!haveGolden) return;
  manifest = JSON.parse(await readFile(goldenFile("manifest.json"), "utf8")) as Manifest;
  source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
});
after(() => source?.close());

async function withGguf(id: string, body: (g: GgufFile) => Promise<void>): Promise<void> {
  const w = manifest.weights[id];
  assert.ok(w, `${id} in the manifest`);
  const g = await openGguf(goldenFile(w.file));
  try {
    await body(g);
  } finally {
    await g.close();
  }
}

describe("GGUF golden files: header", { skip: goldenSkip }, () => {
  for (const id of IDS) {
    test(`${id}: version, alignment, data start, counts and tensor types as the manifest says`, async () => {
      const w = manifest.weights[id] as ManifestWeights;
      await withGguf(id, async (g) => {
        assert.equal(g.gguf.version, w.gguf.version);
        assert.equal(g.gguf.alignment, w.gguf.alignment);
        assert.equal(g.gguf.dataStart, w.gguf.data_offset);
        assert.equal(g.gguf.metadata.size, w.gguf.kv_count);
        assert.equal(g.names().length, w.num_tensors);
        const types: Record<string, number> = {};
        for (const n of g.names()) types[g.entry(n).ggmlType] = (types[g.entry(n).ggmlType] ?? 0) + 1;
        assert.deepEqual(types, w.gguf.tensor_types);
        assert.equal(g.metadata()["general.architecture"], "flux");
        assert.equal([...g.gguf.metadata.keys()][0], "general.architecture");
      });
    });
  }

  test("every metadata value type of the kv probes parses to its value", async () => {
    await withGguf("t1_gguf_f16", async (g) => {
      const m = g.gguf.metadata;
      const probe = (k: string): unknown => m.get(`golden.kv_probe.${k}`);
      assert.deepEqual(probe("uint8"), { type: "UINT8", value: 200 });
      assert.deepEqual(probe("int8"), { type: "INT8", value: -100 });
      assert.deepEqual(probe("uint16"), { type: "UINT16", value: 60000 });
      assert.deepEqual(probe("int16"), { type: "INT16", value: -30000 });
      assert.deepEqual(probe("uint32"), { type: "UINT32", value: 4000000000 });
      assert.deepEqual(probe("int32"), { type: "INT32", value: -2000000000 });
      assert.deepEqual(probe("float32"), { type: "FLOAT32", value: 0.5 });
      assert.deepEqual(probe("bool"), { type: "BOOL", value: true });
      assert.deepEqual(probe("string"), { type: "STRING", value: "gguf \u2713 utf-8" });
      assert.deepEqual(probe("uint64"), { type: "UINT64", value: 2n ** 40n + 1n });
      assert.deepEqual(probe("int64"), { type: "INT64", value: -(2n ** 40n) - 1n });
      assert.deepEqual(probe("float64"), { type: "FLOAT64", value: Math.PI });
      assert.deepEqual(probe("array_int32"), {
        type: "ARRAY",
        elementType: "INT32",
        value: [4, 14, 14].map((value) => ({ type: "INT32", value })),
      });
      assert.deepEqual(probe("array_string"), {
        type: "ARRAY",
        elementType: "STRING",
        value: ["double_blocks", "single_blocks"].map((value) => ({ type: "STRING", value })),
      });
      assert.deepEqual(m.get("general.alignment"), { type: "UINT32", value: 64 });
      const text = g.metadata();
      assert.equal(text["golden.kv_probe.uint64"], "1099511627777");
      assert.equal(text["golden.kv_probe.array_string"], '["double_blocks","single_blocks"]');
      assert.equal(text["golden.seed"], "20250001");
    });
  });
});

describe("GGUF golden files: tensors", { skip: goldenSkip }, () => {
  test("torch shapes are the GGUF dims reversed; names are the BFL keys", async () => {
    await withGguf("t1_gguf_q8_0", async (g) => {
      assert.deepEqual(g.entry("img_in.weight").dims, [128, 384]);
      assert.equal(g.entry("img_in.weight").ggmlType, "Q8_0");
      assert.equal(g.entry("img_in.weight").dtype, "f32");
      assert.deepEqual(g.entry("txt_in.weight").dims, [128, 48]);
      assert.equal(g.entry("txt_in.weight").ggmlType, "F32");
      assert.deepEqual(g.names().sort(), source.names().sort());
      for (const n of g.names()) assert.deepEqual(g.entry(n).dims, source.entry(n).dims, n);
    });
  });

  test("F32 tensors are bit-identical to the source; F16 tensors are its f16 rounding, read as raw f16", async () => {
    await withGguf("t1_gguf_f16", async (g) => {
      for (const n of g.names()) {
        const want = (await source.readF32(n)).data;
        const t = await g.read(n);
        if (g.entry(n).ggmlType === "F32") {
          assert.equal(t.dtype, "f32");
          assert.deepEqual(t.data, want, n);
        } else {
          assert.equal(t.dtype, "f16", n);
          const bits = t.data as Uint16Array;
          const wrong = want.findIndex((v, i) => bits[i] !== f32ToHalfBits(v));
          assert.equal(
            wrong,
            -1,
            `${n}[${wrong}]: f16 bits ${bits[wrong]}, the f16 rounding of ${want[wrong]} is ${f32ToHalfBits(want[wrong] ?? 0)}`,
          );
          assert.equal(bits.length, want.length, n);
        }
      }
    });
  });

  for (const [id, type] of [
    ["t1_gguf_q8_0", "Q8_0"],
    ["t1_gguf_q4_0", "Q4_0"],
  ] as const) {
    test(`${id}: dequantized weights are within the block step of the source, and the max error is the generator's`, async () => {
      const c = manifest.cases.find((k) => k.name === `flux_transformer_b1_gguf_${type.toLowerCase()}`);
      assert.ok(c, `no flux_transformer_b1_gguf_${type.toLowerCase()} case in the manifest`);
      const stats = (c.params["weight_error_vs_source"] as Record<string, { max_abs: number }>)[type];
      assert.ok(stats);
      await withGguf(id, async (g) => {
        let maxAbs = 0;
        let negative = 0;
        let blocks = 0;
        for (const n of g.names()) {
          const want = (await source.readF32(n)).data;
          const got = await g.readF32(n);
          assert.equal(got.dtype, "f32");
          if (g.entry(n).ggmlType === "F32") {
            assert.deepEqual(got.data, want, n);
            continue;
          }
          const b = await g.readBlocks(n);
          assert.equal(b.type, type);
          assert.equal(b.rows * b.cols, want.length);
          // One rounding step of the block: |d|/2 for Q8_0 (plus the f16 rounding of d), |d| for Q4_0 (clipping at +7), each plus the f16 rounding of d.
          const step = type === "Q8_0" ? 0.6 : 1.01;
          for (let i = 0; i < want.length; i++) {
            const d = Math.abs(b.scales[Math.floor(i / 32)] as number);
            const err = Math.abs((got.data[i] as number) - (want[i] as number));
            assert.ok(err <= step * d + 1e-9, `${n}[${i}]: error ${err} above ${step} * |d| = ${step * d}`);
            maxAbs = Math.max(maxAbs, err);
          }
          for (const d of b.scales) if (d < 0) negative++;
          blocks += b.scales.length;
        }
        assert.ok(
          Math.abs(maxAbs - stats.max_abs) <= 1e-5 * Math.max(1, stats.max_abs * 1e3),
          `max error ${maxAbs} vs the manifest's ${stats.max_abs}`,
        );
        if (type === "Q4_0") assert.ok(negative > blocks / 4, `Q4_0 has negative scales (${negative} of ${blocks})`);
        else assert.equal(negative, 0);
      });
    });
  }

  test("readBlocks refuses float tensors; unknown names and closed files give typed errors", async () => {
    const w = manifest.weights["t1_gguf_q8_0"] as ManifestWeights;
    const g = await openGguf(goldenFile(w.file));
    await assert.rejects(g.readBlocks("txt_in.weight"), (e: unknown) => e instanceof NotBlockQuantizedError && /F32/.test(e.message));
    assert.throws(() => g.entry("nope.weight"), MissingTensorError);
    await g.close();
    await assert.rejects(g.read("img_in.weight"), ClosedSourceError);
    await assert.rejects(g.readBlocks("img_in.weight"), ClosedSourceError);
  });
});
