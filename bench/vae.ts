/**
 * The real-size FLUX VAE (random weights with the golden V1 init recipe): session creation, then
 * encode of a [1, 3, 512, 1024] image and decode of its [1, 16, 64, 128] latent, each the median
 * of RUNS runs after a warm-up. FLOPs are counted on fixed-size copies of the same graphs.
 */
import { Graph, type Value } from "../src/onnx/graph.js";
import { AutoEncoder, decodeValues, encodeValues } from "../src/models/vae/model.js";
import { vaeInitRule } from "../src/demo/init/vae.js";
import { FLUX_VAE } from "../src/models/vae/params.js";
import { BuildContext, type ParamBinder, type ParamSpec } from "../src/nn/module.js";
import { Prng } from "../src/numeric/prng.js";
import { Vae } from "../src/components/vae/vae.js";
import type { Engine } from "../src/runtime/engine.js";
import { tensor, type Tensor } from "../src/tensor.js";
import { memorySource } from "../src/weights/memory-source.js";
import { randomTensors } from "../src/demo/random-weights.js";
import { median, peakRssMiB, timed } from "./stats.js";

const RUNS = Number(process.env["ICEDIT_BENCH_VAE_RUNS"] ?? 2);
const HEIGHT = Number(process.env["ICEDIT_BENCH_VAE_HEIGHT"] ?? 512);
const WIDTH = Number(process.env["ICEDIT_BENCH_VAE_WIDTH"] ?? 1024);

/** Binds parameters to data-less initializers: the graph is only inspected, never run. */
const shapeOnly: ParamBinder = {
  bind: (graph: Graph, spec: ParamSpec): Value =>
    graph.addInitializer(spec.path, { kind: "external", dtype: "f32", dims: spec.shape, location: "unused", offset: 0, length: 0 }),
};

function numel(shape: readonly (number | string)[]): number {
  return shape.reduce<number>((n, d) => n * (typeof d === "number" ? d : NaN), 1);
}

/** Multiply-adds x 2 of the Conv and attention nodes of a fixed-size graph. */
function graphFlops(g: Graph): { conv: number; attention: number } {
  let conv = 0;
  let attention = 0;
  for (const node of g.nodes) {
    const out = node.outputs[0];
    if (!out) continue;
    if (node.opType === "Conv") {
      const w = node.inputs[1]?.shape ?? [];
      conv += 2 * numel(out.shape) * numel(w.slice(1));
    } else if (node.opType === "MultiHeadAttention") {
      const [b, s, c] = out.shape as [number, number, number];
      attention += 4 * b * s * s * c;
    }
  }
  return { conv, attention };
}

function countFlops(
  model: AutoEncoder,
  height: number,
  width: number,
): { encoder: { conv: number; attention: number }; decoder: { conv: number; attention: number } } {
  const enc = new Graph("vae_encoder_flops");
  encodeValues(new BuildContext(enc, shapeOnly), model.encoder, enc.addInput("image", "f32", [1, 3, height, width]));
  const dec = new Graph("vae_decoder_flops");
  const f = 8;
  decodeValues(
    new BuildContext(dec, shapeOnly),
    model.decoder,
    dec.addInput("latent", "f32", [1, FLUX_VAE.zChannels, height / f, width / f]),
  );
  return { encoder: graphFlops(enc), decoder: graphFlops(dec) };
}

async function timeRuns(run: () => Promise<unknown>): Promise<{ warmupMs: number; runs: number[] }> {
  const warmup = await timed(run);
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push((await timed(run)).ms);
  return { warmupMs: warmup.ms, runs };
}

export async function benchVae(engine: Engine): Promise<Record<string, unknown>> {
  const params = FLUX_VAE;
  const model = new AutoEncoder(params);
  const rssStart = peakRssMiB();
  const weights = randomTensors(model.parameters(), 7, vaeInitRule);
  const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const source = memorySource(weights, "random FLUX VAE");

  const encLoad = await timed(() => Vae.open(engine, { weights: source, params, parts: { encoder: true, decoder: false } }));
  const decLoad = await timed(() => Vae.open(engine, { weights: source, params, parts: { encoder: false, decoder: true } }));
  weights.clear();
  const rssLoaded = peakRssMiB();

  const prng = new Prng(11);
  const image: Tensor<"f32"> = tensor(
    "f32",
    [1, 3, HEIGHT, WIDTH],
    Float32Array.from({ length: 3 * HEIGHT * WIDTH }, () => 2 * prng.uniform() - 1),
  );
  let latent: Tensor<"f32"> | null = null;
  const encode = await timeRuns(async () => {
    latent = (await encLoad.value.encode(image)).latent;
  });
  const rssEncoded = peakRssMiB();
  if (!latent) throw new Error("encode gave no latent");
  const z: Tensor<"f32"> = latent;
  const decode = await timeRuns(() => decLoad.value.decode(z));
  const rssDecoded = peakRssMiB();
  await encLoad.value.release();
  await decLoad.value.release();

  const flops = countFlops(model, HEIGHT, WIDTH);
  const encMs = median(encode.runs);
  const decMs = median(decode.runs);
  const gflop = (f: { conv: number; attention: number }): number => (f.conv + f.attention) / 1e9;
  return {
    config: { ...params, image: [1, 3, HEIGHT, WIDTH], latent: z.dims, dtype: "f32", runs: RUNS },
    weight_mib: Math.round(weightBytes / 2 ** 20),
    session_create_ms: { encoder: Math.round(encLoad.ms), decoder: Math.round(decLoad.ms) },
    encode_ms: Math.round(encMs),
    encode_ms_runs: encode.runs.map(Math.round),
    encode_warmup_ms: Math.round(encode.warmupMs),
    decode_ms: Math.round(decMs),
    decode_ms_runs: decode.runs.map(Math.round),
    decode_warmup_ms: Math.round(decode.warmupMs),
    gflop: {
      encoder: Math.round(gflop(flops.encoder)),
      decoder: Math.round(gflop(flops.decoder)),
      attention_each: Math.round(flops.encoder.attention / 1e9),
    },
    gflops_per_s: {
      encoder: Math.round(gflop(flops.encoder) / (encMs / 1000)),
      decoder: Math.round(gflop(flops.decoder) / (decMs / 1000)),
    },
    max_rss_mib: {
      start: rssStart,
      after_load: rssLoaded,
      after_encode: rssEncoded,
      after_decode: rssDecoded,
      note: "process-wide peak (ORT runs in a worker thread of this process)",
    },
  };
}
