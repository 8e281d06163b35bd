/**
 * A FLUX.1 Kontext [dev] transformer in a community GGUF file (BFL keys, as city96's files), written
 * here from the Kontext demo's weights: named flux1-kontext-dev-*.gguf it is detected as Kontext in a
 * folder that does not say so; an F32 file edits exactly as the safetensors folder does, a Q8_0
 * file (its blocks run as they are with int8) within the quantization's error of it.
 */
import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { EditMethodError, type OpenOptions } from "../../src/index.js";
import { exampleImage } from "../../src/demo/example-image.js";
import { diffusersToBfl } from "../../src/weights/layouts/flux-convert.js";
import { openWeights } from "../../src/weights/open-weights.js";
import { toF32 } from "../../src/weights/to-f32.js";
import type { Tensor } from "../../src/tensor.js";
import { f32ToHalfBits } from "../../src/numeric/float16.js";
import { writeGguf } from "../weights/gguf-writer.js";
import { makeKontextDemoModel, useDemoModel, withSession } from "./fixtures.js";

const IMAGE = exampleImage(64, 48);
const EDIT = { steps: 2, seed: 5 } as const;

/** Q8_0 for the matrices whose rows split into 32-value blocks (as quantized community files do), F32 for the rest. */
const q8Where = (name: string, dims: readonly number[]) =>
  dims.length === 2 && name.endsWith(".weight") && (dims[1] as number) % 32 === 0 ? "Q8_0" : "F32";

describe("FLUX.1 Kontext from a community GGUF file", () => {
  const demo = useDemoModel("icedit-kontext-gguf-", makeKontextDemoModel);
  let plain = "";
  let f32 = "";
  let q8 = "";
  let reference: Tensor<"u8">;
  const open = (extra: Partial<OpenOptions>): OpenOptions => ({ embeddingCacheDir: null, convertedCacheDir: null, ...extra });

  before(async () => {
    // A folder that does not say Kontext (FluxPipeline, no Kontext in its name): only the GGUF's name does.
    plain = join(demo.dir, "flux-dev");
    await cp(demo.model, plain, { recursive: true });
    const index = join(plain, "model_index.json");
    await writeFile(index, JSON.stringify({ ...JSON.parse(await readFile(index, "utf8")), _class_name: "FluxPipeline" }));
    const source = await openWeights(join(demo.model, "transformer", "diffusion_pytorch_model.safetensors.index.json"));
    const tensors = await diffusersToBfl(source);
    await source.close();
    const asF32 = new Map([...tensors].map(([name, t]) => [name, toF32(t, name, "the demo's transformer")]));
    f32 = join(demo.dir, "flux1-kontext-dev-F32.gguf");
    q8 = join(demo.dir, "flux1-kontext-dev-Q8_0.gguf");
    await writeGguf(f32, asF32, () => "F32", { "general.architecture": "flux" });
    await writeGguf(q8, asF32, q8Where, { "general.architecture": "flux" });
    await withSession(open({ model: demo.model, precision: "f32" }), async (session) => {
      reference = (await session.edit(IMAGE, "add a moon", EDIT)).image;
    });
  });

  it("the float16 scales the writer uses are IEEE halves (closed form)", () => {
    assert.deepEqual(
      [1, 0.5, -2, 65504, 2 ** -24, 0, 1 / 3, 70000].map(f32ToHalfBits),
      [0x3c00, 0x3800, 0xc000, 0x7bff, 0x0001, 0x0000, 0x3555, 0x7c00],
    );
  });

  it("an F32 GGUF named flux1-kontext-dev is detected as Kontext and edits exactly as the safetensors folder", async () => {
    await withSession(open({ model: plain, transformer: f32, precision: "f32" }), async (session) => {
      assert.equal(session.method, "kontext");
      assert.equal(session.model.transformer, f32);
      const result = await session.edit(IMAGE, "add a moon", EDIT);
      assert.equal(result.record.method, "kontext");
      assert.deepEqual(result.image.dims, reference.dims);
      assert.deepEqual(result.image.data, reference.data, "the same weights give the same edit");
    });
    const unnamed = join(demo.dir, "transformer-F32.gguf");
    await cp(f32, unnamed);
    await assert.rejects(
      withSession(open({ model: plain, transformer: unnamed }), async () => undefined),
      (e: Error) => e instanceof EditMethodError && /--method kontext/.test(e.message),
    );
  });

  it("a Q8_0 GGUF edits with its blocks as they are (int8), within the quantization's error of the float32 edit", async (t) => {
    await withSession(open({ model: plain, transformer: q8, precision: "int8" }), async (session) => {
      assert.equal(session.method, "kontext");
      const result = await session.edit(IMAGE, "add a moon", EDIT);
      assert.deepEqual(result.image.dims, reference.dims);
      let maxDiff = 0;
      let sum = 0;
      for (let i = 0; i < reference.data.length; i++) {
        const d = Math.abs((result.image.data[i] as number) - (reference.data[i] as number));
        maxDiff = Math.max(maxDiff, d);
        sum += d;
      }
      const mean = sum / reference.data.length;
      t.diagnostic(`Q8_0 GGUF vs float32 safetensors: max |diff| ${maxDiff}, mean ${mean.toFixed(3)} (uint8 levels)`);
      assert.ok(maxDiff <= 3 && mean <= 0.5, `Q8_0 vs float32: max ${maxDiff}, mean ${mean.toFixed(3)} (of 255)`);
      assert.ok(maxDiff > 0, "the Q8_0 weights are really quantized");
    });
  });
});
