import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../../../src/runtime/engine.js";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { quantizeParams } from "../../../src/components/params/quantized-params.js";
import { linearWeightPaths } from "../../../src/components/params/convert-tensors.js";
import { defaultFluxKeep } from "../../../src/components/flux/spec.js";
import { type AccuracyLevel, precisionOf, type QuantizedKind } from "../../../src/components/precision.js";
import { DEFAULT_BLOCK_SIZE } from "../../../src/weights/quant/index.js";
import { Flux } from "../../../src/models/flux/model.js";
import { FLUX_MID, GOLDEN_T1, type FluxParams } from "../../../src/models/flux/params.js";
import { fluxInitRule } from "../../../src/demo/init/flux.js";
import { imageIds, textIds, type FluxCall } from "../../../src/models/flux/inputs.js";
import { readFluxCall } from "../../../src/golden/components/flux-transformer.js";
import { DEMO_FLUX } from "../../../src/demo/make-demo-model.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { openGguf } from "../../../src/weights/gguf/index.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { randomTensors } from "../../../src/demo/random-weights.js";
import { Prng } from "../../../src/numeric/prng.js";
import { LoraMergeError } from "../../../src/weights/lora/index.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import type { TensorSource } from "../../../src/weights/source.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";
import { engineForTests } from "../../onnx/helpers.js";

/** ||a - b|| / ||b|| (relative RMS error) */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
    scale += (b[i] ?? 0) ** 2;
  }
  return Math.sqrt(diff / scale);
}

function randomCall(params: FluxParams, rows: number, cols: number, text: number, seed: number): FluxCall {
  const prng = new Prng(seed);
  const r = (dims: number[]): Tensor<"f32"> => {
    const t = tensor("f32", dims);
    prng.fillNormal(t.data, 1);
    return t;
  };
  return {
    img: r([1, rows * cols, params.inChannels]),
    imgIds: imageIds(1, rows, cols),
    txt: r([1, text, params.contextInDim]),
    txtIds: textIds(1, text),
    timesteps: tensor("f32", [1], Float32Array.of(0.6)),
    y: r([1, params.vecInDim]),
    guidance: tensor("f32", [1], Float32Array.of(50)),
  };
}

async function out(
  engine: Engine,
  source: TensorSource,
  params: FluxParams,
  call: FluxCall,
  kind?: QuantizedKind,
  accuracyLevel: AccuracyLevel = 4,
): Promise<Float32Array> {
  const precision = kind && precisionOf(kind, DEFAULT_BLOCK_SIZE, accuracyLevel);
  const model = await FluxTransformer.open(engine, { weights: source, params, precision });
  try {
    return (await model.forward(call)).out.data;
  } finally {
    await model.release();
  }
}

/**
 * Stated tolerances: relative RMS error of the transformer output against f32, int8 activations
 * (accuracy level 4), block 32. Measured: golden T1 weights 1.0e-3 / 1.2e-2; random demo-size
 * weights below those; random mid-size width (K up to 7680) 1.5e-2 / 1.7e-1.
 */
const TOLERANCE: Readonly<Record<string, { int8: number; int4: number }>> = {
  golden: { int8: 3e-3, int4: 3e-2 },
  demo: { int8: 1e-2, int4: 1e-1 },
  mid: { int8: 3e-2, int4: 2.5e-1 },
};

describe("quantized transformer (MatMulNBits)", { skip: goldenSkip }, () => {
  const engine = engineForTests();

  it("int8 and int4 stay within the stated tolerance of f32 on the golden T1 weights", async () => {
    const inputs = await openSafetensors(goldenFile("cases/flux_transformer_b1.inputs.safetensors"));
    const call = await readFluxCall(inputs);
    await inputs.close();
    const source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    try {
      const reference = await out(engine, source, GOLDEN_T1, call);
      const int8 = relativeError(await out(engine, source, GOLDEN_T1, call, "int8"), reference);
      const int4 = relativeError(await out(engine, source, GOLDEN_T1, call, "int4"), reference);
      assert.ok(int8 < (TOLERANCE["golden"]?.int8 ?? 0), `int8 ${int8}`);
      assert.ok(int4 < (TOLERANCE["golden"]?.int4 ?? 0), `int4 ${int4}`);
      assert.ok(int8 > 0 && int4 > int8, "quantization really happened");
    } finally {
      await source.close();
    }
  });

  for (const [name, key, params, rows, cols, text] of [
    ["demo", "demo", DEMO_FLUX, 8, 16, 32],
    ["mid-size width (1 double + 1 single block)", "mid", { ...FLUX_MID, depth: 1, depthSingleBlocks: 1 }, 8, 16, 32],
  ] as const) {
    it(`int8 and int4 against f32 on the ${name} config`, async () => {
      const weights = randomTensors(new Flux(params).parameters(), 11, fluxInitRule);
      const source = memorySource(weights);
      const call = randomCall(params, rows, cols, text, 12);
      const reference = await out(engine, source, params, call);
      const int8 = relativeError(await out(engine, source, params, call, "int8"), reference);
      const int4 = relativeError(await out(engine, source, params, call, "int4"), reference);
      assert.ok(int8 < (TOLERANCE[key]?.int8 ?? 0), `int8 ${int8}`);
      assert.ok(int4 < (TOLERANCE[key]?.int4 ?? 0), `int4 ${int4}`);
    });
  }

  it("repacks GGUF Q8_0 / Q4_0 blocks without a float round trip, equal to the dequantized model", async () => {
    const inputs = await openSafetensors(goldenFile("cases/flux_transformer_b1.inputs.safetensors"));
    const call = await readFluxCall(inputs);
    await inputs.close();
    for (const [file, kind] of [
      ["weights/t1_gguf_q8_0.gguf", "int8"],
      ["weights/t1_gguf_q4_0.gguf", "int4"],
    ] as const) {
      const gguf = await openGguf(goldenFile(file));
      try {
        const dequantized = await out(engine, gguf, GOLDEN_T1, call);
        const native = await out(engine, gguf, GOLDEN_T1, call, kind, 1);
        assert.ok(relativeError(native, dequantized) < 1e-5, file);
      } finally {
        await gguf.close();
      }
    }
  });

  it("keeps the embedders and the final layer in float, and packs the blocks to a quarter (int8)", async () => {
    const model = new Flux(GOLDEN_T1);
    const source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    try {
      const q = await quantizeParams(model, source, { precision: { kind: "int8", blockSize: 32 }, keep: defaultFluxKeep });
      const linear = linearWeightPaths(model);
      assert.ok(q.floats.has("img_in.weight") && q.floats.has("final_layer.linear.weight") && q.floats.has("time_in.in_layer.weight"));
      assert.ok(q.packed.has("double_blocks.0.img_attn.qkv.weight") && q.packed.has("single_blocks.1.linear2.weight"));
      assert.equal(q.packed.size + [...linear].filter((p) => defaultFluxKeep(p.slice(0, -7))).length, linear.size);
      const packedWeight = q.packed.get("single_blocks.0.linear1.weight");
      assert.ok(packedWeight);
      const floatBytes = packedWeight.N * packedWeight.K * 4;
      assert.ok(packedWeight.b.data.byteLength + packedWeight.scales.data.byteLength < 0.3 * floatBytes);
    } finally {
      await source.close();
    }
  });

  it("refuses to merge LoRA into quantized weights", async () => {
    const source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
    const lora = await openSafetensors(goldenFile("weights/lora_peft_r4.safetensors"));
    try {
      await assert.rejects(
        FluxTransformer.open(engine, {
          weights: source,
          params: GOLDEN_T1,
          precision: precisionOf("int8"),
          adapters: [{ source: lora, merge: true }],
        }),
        LoraMergeError,
      );
    } finally {
      await source.close();
      await lora.close();
    }
  });
});
