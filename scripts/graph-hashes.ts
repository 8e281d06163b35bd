/**
 * Hashes the serialized ONNX of the main graphs (FLUX transformer plain / LoRA / MoE / quantized,
 * VAE encoder and decoder, T5, CLIP, LoRA merge), to prove a refactor of the graph IR leaves every
 * graph byte-identical: run it before and after, and diff. scripts/ is outside tsconfig's include, so
 * compile it with a config beside tsconfig.json such as
 *   { "extends": "./tsconfig.json", "include": ["src", "scripts/graph-hashes.ts"] }
 * (npx tsc -p that.json), then run node dist/scripts/graph-hashes.js.
 */
import { createHash } from "node:crypto";
import { buildClipTextGraph, ClipTextTransformer } from "../src/models/clip/model.js";
import { CLIP_TEXT_TINY } from "../src/models/clip/config.js";
import { buildFluxGraph, Flux } from "../src/models/flux/model.js";
import { GOLDEN_T1 } from "../src/models/flux/params.js";
import { buildT5EncoderGraph, T5EncoderStack } from "../src/models/t5/model.js";
import { T5_TINY } from "../src/models/t5/config.js";
import { buildVaeDecoderGraph, buildVaeEncoderGraph, AutoEncoder } from "../src/models/vae/model.js";
import { GOLDEN_V1 } from "../src/models/vae/params.js";
import type { LinearAdapter } from "../src/nn/adapter-set.js";
import { buildLoraMergeGraph } from "../src/nn/lora-merge.js";
import { fuseLowRank } from "../src/nn/lora.js";
import type { ParamBinder, ParamSpec, QuantizedWeight } from "../src/nn/module.js";
import { fuseMoe } from "../src/nn/moe.js";
import { serializeModel, type Graph } from "../src/onnx/index.js";
import { tensor, type Tensor } from "../src/tensor.js";

function filled(dims: readonly number[], seed: number): Tensor<"f32"> {
  const t = tensor("f32", dims);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(seed * 7 + i * 0.37);
  return t;
}

const floatBinder: ParamBinder = {
  bind: (g: Graph, spec: ParamSpec) => g.addInitializer(spec.path, { kind: "inline", tensor: filled(spec.shape, spec.path.length) }),
};

const quantBinder: ParamBinder = {
  ...floatBinder,
  bindQuantized(g: Graph, spec: ParamSpec): QuantizedWeight | null {
    if (spec.shape.length !== 2 || !spec.path.endsWith(".weight") || (spec.shape[1] as number) % 32 !== 0) return null;
    const [n, k] = spec.shape as [number, number];
    const blocks = k / 32;
    const b = g.addInitializer(`${spec.path}.q`, { kind: "inline", tensor: tensor("u8", [n, blocks, 32]) });
    const scales = g.addInitializer(`${spec.path}.scales`, { kind: "inline", tensor: filled([n, blocks], 3) });
    return { b, scales, zeroPoints: null, bits: 8, blockSize: 32, accuracyLevel: 0 };
  },
};

function adapters(model: Flux): Map<string, LinearAdapter[]> {
  const layers = new Map<string, LinearAdapter[]>();
  const h = model.params.hiddenSize;
  const qkv = fuseLowRank(
    [0, 1, 2].map((i) => ({
      A: filled([4, h], i),
      B: filled([h, 4], i + 9),
      bias: null,
      rowStart: i * h,
      rowEnd: (i + 1) * h,
      scaling: 0.5,
    })),
    h,
    3 * h,
  );
  layers.set("double_blocks.0.img_attn.qkv", [{ scaleIndex: 0, lowRank: qkv, moe: [] }]);
  const one = fuseLowRank([{ A: filled([4, h], 1), B: filled([h, 4], 2), bias: filled([h], 3), rowStart: 0, rowEnd: h, scaling: 1 }], h, h);
  layers.set("double_blocks.0.img_attn.proj", [{ scaleIndex: 0, lowRank: one, moe: [] }]);
  const experts = [0, 1, 2].map((e) => ({ A: filled([4, 4 * h], e), B: filled([h, 4], e + 5) }));
  const moe = fuseMoe({ experts, route: filled([3, 4 * h], 8), expertScaling: 0.7, topK: 2, rowStart: 0, rowEnd: h }, 4 * h, h);
  layers.set("double_blocks.1.img_mlp.2", [{ scaleIndex: 1, lowRank: null, moe: [{ ...moe, tap: "route.ff" }] }]);
  return layers;
}

const flux = new Flux(GOLDEN_T1);
const vae = new AutoEncoder(GOLDEN_V1);
const graphs: Record<string, () => Graph> = {
  flux: () => buildFluxGraph(flux, floatBinder, { taps: ["vec", "double0_img"] }),
  flux_adapters: () => buildFluxGraph(flux, floatBinder, { adapters: { layers: adapters(flux), count: 2 }, taps: ["route.ff"] }),
  flux_quant: () => buildFluxGraph(flux, quantBinder),
  flux_quant_adapters: () => buildFluxGraph(flux, quantBinder, { adapters: { layers: adapters(flux), count: 2 } }),
  vae_encoder: () => buildVaeEncoderGraph(vae.encoder, floatBinder),
  vae_decoder: () => buildVaeDecoderGraph(vae.decoder, floatBinder),
  t5: () => buildT5EncoderGraph(new T5EncoderStack(T5_TINY), floatBinder, { taps: ["position_bias", "block0_attn_out"] }),
  t5_quant: () => buildT5EncoderGraph(new T5EncoderStack(T5_TINY), quantBinder),
  clip: () => buildClipTextGraph(new ClipTextTransformer(CLIP_TEXT_TINY), floatBinder, { taps: ["layer0_out"] }),
  lora_merge: () => buildLoraMergeGraph(),
};

for (const [name, build] of Object.entries(graphs)) {
  const g = build();
  const hash = createHash("sha256").update(serializeModel(g)).digest("hex");
  // Intermediate values' dtypes and shapes are not serialized: hash them separately.
  const specs = g.nodes.map((n) => n.outputs.map((v) => `${v.name}:${v.dtype}[${v.shape.join(",")}]`).join(" ")).join("\n");
  const specHash = createHash("sha256").update(specs).digest("hex").slice(0, 16);
  console.log(`${name.padEnd(20)} ${String(g.nodes.length).padStart(5)} nodes  onnx ${hash}  specs ${specHash}`);
}
