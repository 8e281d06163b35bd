/**
 * Helpers for adapter tests on the golden T1 transformer: its weights and call, a float64
 * reference merge W' = W + f * B A written independently of the code under test (row targets
 * given by hand from the table of docs/golden.md §3.6), and runs of FluxTransformer.
 */
import assert from "node:assert/strict";
import type { FluxCall } from "../../src/models/flux/inputs.js";
import { GOLDEN_T1 } from "../../src/models/flux/params.js";
import { FluxTransformer, type AdapterOptions, type FluxForwardOptions } from "../../src/components/flux/transformer.js";
import type { Engine } from "../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import type { TensorSource } from "../../src/weights/source.js";
import { readFluxCall } from "../../src/golden/components/flux-transformer.js";
import { goldenFile } from "../golden-paths.js";

export async function t1Weights(): Promise<Map<string, Tensor<"f32">>> {
  const source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
  const out = new Map<string, Tensor<"f32">>();
  for (const name of source.names()) out.set(name, await source.readF32(name));
  await source.close();
  return out;
}

export async function t1Call(caseName = "flux_transformer_b1"): Promise<FluxCall> {
  const inputs = await openSafetensors(goldenFile(`cases/${caseName}.inputs.safetensors`));
  const call = await readFluxCall(inputs);
  await inputs.close();
  return call;
}

/** Two single-sample calls as one batch of 2. */
export function stackCalls(a: FluxCall, b: FluxCall): FluxCall {
  const cat = (x: Tensor<"f32">, y: Tensor<"f32">): Tensor<"f32"> => {
    const data = new Float32Array(x.data.length + y.data.length);
    data.set(x.data);
    data.set(y.data, x.data.length);
    return tensor("f32", [2, ...x.dims.slice(1)], data);
  };
  return {
    img: cat(a.img, b.img),
    imgIds: cat(a.imgIds, b.imgIds),
    txt: cat(a.txt, b.txt),
    txtIds: cat(a.txtIds, b.txtIds),
    timesteps: cat(a.timesteps, b.timesteps),
    y: cat(a.y, b.y),
    guidance: cat(a.guidance, b.guidance),
  };
}

/** A second sample: other image tokens, time and guidance. */
export function otherSample(call: FluxCall): FluxCall {
  return {
    ...call,
    img: tensor(
      "f32",
      call.img.dims,
      call.img.data.map((v, i) => -0.5 * v + 0.01 * (i % 7)),
    ),
    timesteps: tensor("f32", [1], Float32Array.of(0.31)),
    guidance: tensor("f32", [1], Float32Array.of(3.5)),
  };
}

/** One low-rank update in BFL terms: rows row0.. of `linear` get factor * B A (B row i -> BFL row rowOf(i)). */
export interface ReferenceUpdate {
  readonly linear: string;
  readonly A: Tensor<"f32">;
  readonly B: Tensor<"f32">;
  readonly factor: number;
  readonly rowOf: (i: number) => number;
}

/** W' = W + sum factor * B A, accumulated in float64, rounded once to float32. */
export function mergeReference(base: ReadonlyMap<string, Tensor<"f32">>, updates: readonly ReferenceUpdate[]): Map<string, Tensor<"f32">> {
  const out = new Map(base);
  const byLayer = new Map<string, ReferenceUpdate[]>();
  for (const u of updates) byLayer.set(u.linear, [...(byLayer.get(u.linear) ?? []), u]);
  for (const [linear, list] of byLayer) {
    const w = base.get(`${linear}.weight`);
    assert.ok(w, `no ${linear}.weight`);
    const [, cols] = w.dims as [number, number];
    const acc = Float64Array.from(w.data);
    for (const u of list) {
      const [r, inF] = u.A.dims as [number, number];
      assert.equal(inF, cols);
      const rows = u.B.dims[0] as number;
      for (let i = 0; i < rows; i++) {
        const dst = u.rowOf(i) * cols;
        for (let c = 0; c < cols; c++) {
          let s = 0;
          for (let j = 0; j < r; j++) s += (u.B.data[i * r + j] as number) * (u.A.data[j * cols + c] as number);
          acc[dst + c] = (acc[dst + c] as number) + u.factor * s;
        }
      }
    }
    out.set(`${linear}.weight`, tensor("f32", w.dims, Float32Array.from(acc)));
  }
  return out;
}

export async function runT1(
  engine: Engine,
  weights: TensorSource | ReadonlyMap<string, Tensor<"f32">>,
  call: FluxCall,
  adapters: readonly AdapterOptions[] = [],
  options: { taps?: readonly string[]; forward?: FluxForwardOptions } = {},
): Promise<{ out: Tensor<"f32">; taps: Readonly<Record<string, Tensor>>; model: FluxTransformer }> {
  const source = weights instanceof Map ? memorySource(weights) : (weights as TensorSource);
  const model = await FluxTransformer.open(engine, { weights: source, params: GOLDEN_T1, adapters, taps: options.taps });
  try {
    const result = await model.forward(call, options.forward);
    return { out: result.out, taps: result.taps, model };
  } finally {
    await model.release();
  }
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.dims, b.dims);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
}
