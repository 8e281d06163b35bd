/**
 * The FLUX transformer (BFL Flux): embeddings, double-stream blocks, single-stream blocks and the
 * final layer. Module paths are the BFL checkpoint keys. The host computes the sinusoidal
 * timestep/guidance embeddings and the RoPE tables (models/flux/inputs.ts) and feeds them.
 */
import { Graph, type Value } from "../../onnx/graph.js";
import { add, concat, sliceAfter } from "../../onnx/ops/index.js";
import { Linear } from "../../nn/linear.js";
import { BuildContext, Module, type ParamBinder } from "../../nn/module.js";
import { AdapterBuildContext } from "../../nn/adapter-context.js";
import { LinearAdapterSet, type LinearAdapter } from "../../nn/adapter-set.js";
import { DoubleStreamBlock } from "./double-block.js";
import { SingleStreamBlock } from "./single-block.js";
import { LastLayer } from "./final-layer.js";
import { MLPEmbedder, type Rope } from "./layers.js";
import { validateFluxParams, type FluxParams } from "./params.js";

/** Width of the sinusoidal timestep / guidance embedding. */
export const TIMESTEP_DIM = 256;

export interface FluxGraphInputs {
  /** [B, L, in_channels] */
  readonly img: Value;
  /** [B, T, context_in_dim] */
  readonly txt: Value;
  /** [B, vec_in_dim] */
  readonly y: Value;
  /** [B, 256] sinusoid of 1000 t */
  readonly timestepEmb: Value;
  /** [B, 256] sinusoid of 1000 g, or null without a guidance embedder */
  readonly guidanceEmb: Value | null;
  /** cos/sin tables [B, T+L, head_dim/2] */
  readonly pe: Rope;
}

export class Flux extends Module {
  readonly headDim: number;
  readonly mlpHidden: number;
  readonly imgIn: Linear;
  readonly timeIn: MLPEmbedder;
  readonly vectorIn: MLPEmbedder;
  readonly guidanceIn: MLPEmbedder | null;
  readonly txtIn: Linear;
  readonly doubleBlocks: DoubleStreamBlock[];
  readonly singleBlocks: SingleStreamBlock[];
  readonly finalLayer: LastLayer;

  constructor(readonly params: FluxParams) {
    super("");
    const { headDim, mlpHidden } = validateFluxParams(params);
    this.headDim = headDim;
    this.mlpHidden = mlpHidden;
    const d = params.hiddenSize;
    this.imgIn = this.child(new Linear("img_in", params.inChannels, d));
    this.timeIn = this.child(new MLPEmbedder("time_in", TIMESTEP_DIM, d));
    this.vectorIn = this.child(new MLPEmbedder("vector_in", params.vecInDim, d));
    this.guidanceIn = params.guidanceEmbed ? this.child(new MLPEmbedder("guidance_in", TIMESTEP_DIM, d)) : null;
    this.txtIn = this.child(new Linear("txt_in", params.contextInDim, d));
    this.doubleBlocks = Array.from({ length: params.depth }, (_, i) =>
      this.child(new DoubleStreamBlock(`double_blocks.${i}`, d, params.numHeads, mlpHidden, params.qkvBias)),
    );
    this.singleBlocks = Array.from({ length: params.depthSingleBlocks }, (_, i) =>
      this.child(new SingleStreamBlock(`single_blocks.${i}`, d, params.numHeads, mlpHidden)),
    );
    this.finalLayer = this.child(new LastLayer("final_layer", d, params.outChannels));
  }

  /** -> out: [B, L, out_channels], the velocity per image token. */
  forward(ctx: BuildContext, inputs: FluxGraphInputs): Value {
    const { img: img0, txt: txt0, vec } = this.embed(ctx, inputs);
    const { img, txt } = this.doubleStream(ctx, img0, txt0, vec, inputs.pe, 0);
    ctx.tap("double_last_img", img);
    ctx.tap("double_last_txt", txt);
    const x = this.singleStream(ctx, concat([txt, img], 1), vec, inputs.pe);
    ctx.tap("single_last_out", x);
    const imgTokens = ctx.tap("final_in", sliceAfter(x, 1, txt));
    return this.finalLayer.forward(ctx, imgTokens, vec);
  }

  /** The input embedders: img [B, L, in], txt [B, T, ctx], y, sinusoids -> img [B, L, D], txt [B, T, D], vec [B, D]. */
  embed(ctx: BuildContext, inputs: Omit<FluxGraphInputs, "pe">): FluxStreams {
    const timeOut = ctx.tap("time_in_out", this.timeIn.forward(ctx, inputs.timestepEmb));
    let vec = timeOut;
    if (this.guidanceIn && inputs.guidanceEmb) {
      vec = add(vec, ctx.tap("guidance_in_out", this.guidanceIn.forward(ctx, inputs.guidanceEmb)));
    }
    vec = ctx.tap("vec", add(vec, ctx.tap("vector_in_out", this.vectorIn.forward(ctx, inputs.y))));
    const img = ctx.tap("img_in_out", this.imgIn.forward(ctx, inputs.img));
    const txt = ctx.tap("txt_in_out", this.txtIn.forward(ctx, inputs.txt));
    return { img, txt, vec };
  }

  /** Double-stream blocks [from, to): img [B, L, D], txt [B, T, D], vec [B, D] -> new (img, txt). */
  doubleStream(ctx: BuildContext, img: Value, txt: Value, vec: Value, pe: Rope, from: number, to = this.doubleBlocks.length): TokenStreams {
    let streams = { img, txt };
    for (let i = from; i < to; i++) {
      const block = this.doubleBlocks[i] as DoubleStreamBlock;
      const { img: x, txt: c } = streams;
      streams = ctx.segment(() => block.forward(ctx, x, c, vec, pe, `double${i}`));
      ctx.tap(`double${i}_img`, streams.img);
      ctx.tap(`double${i}_txt`, streams.txt);
    }
    return streams;
  }

  /** Every single-stream block: x [B, T+L, D] (txt then img tokens), vec [B, D] -> [B, T+L, D]. */
  singleStream(ctx: BuildContext, x: Value, vec: Value, pe: Rope): Value {
    this.singleBlocks.forEach((block, i) => {
      const input = x;
      x = ctx.tap(
        `single${i}_out`,
        ctx.segment(() => block.forward(ctx, input, vec, pe)),
      );
    });
    return x;
  }
}

/** The two token streams between blocks. */
export interface TokenStreams {
  /** [B, L, D] */
  readonly img: Value;
  /** [B, T, D] */
  readonly txt: Value;
}

/** The streams after the input embedders, with the conditioning vector vec [B, D]. */
export interface FluxStreams extends TokenStreams {
  readonly vec: Value;
}

export interface FluxGraphOptions {
  readonly name?: string;
  /** Intermediates to expose as extra outputs (names as in the golden cases, e.g. "vec", "double0_img"). */
  readonly taps?: readonly string[];
  /** LoRA / MoE-LoRA branches per linear layer (BFL module path); adds the input `lora_scales` [count]. */
  readonly adapters?: FluxAdapterOptions;
}

export interface FluxAdapterOptions {
  readonly layers: ReadonlyMap<string, readonly LinearAdapter[]>;
  /** Number of adapters: the length of `lora_scales` (every LinearAdapter.scaleIndex is below it). */
  readonly count: number;
}

/** Name of the graph input holding one run-time scale per adapter. */
export const LORA_SCALES_INPUT = "lora_scales";

/**
 * The transformer's graph inputs (img [B, L, in], txt [B, T, ctx], y [B, vec], timestep_emb and
 * guidance_emb [B, 256], pe_cos / pe_sin [B, S, head_dim/2]), added to `g`; the training graph
 * has the same ones.
 */
export function addFluxInputs(g: Graph, model: Flux): FluxGraphInputs {
  return {
    ...addFluxEmbedInputs(g, model),
    pe: {
      cos: g.addInput("pe_cos", "f32", ["B", "S", model.headDim / 2]),
      sin: g.addInput("pe_sin", "f32", ["B", "S", model.headDim / 2]),
    },
  };
}

/** The inputs of the embedders: all of addFluxInputs' but the RoPE tables. */
export function addFluxEmbedInputs(g: Graph, model: Flux): Omit<FluxGraphInputs, "pe"> {
  const p = model.params;
  return {
    img: g.addInput("img", "f32", ["B", "L", p.inChannels]),
    txt: g.addInput("txt", "f32", ["B", "T", p.contextInDim]),
    y: g.addInput("y", "f32", ["B", p.vecInDim]),
    timestepEmb: g.addInput("timestep_emb", "f32", ["B", TIMESTEP_DIM]),
    guidanceEmb: p.guidanceEmbed ? g.addInput("guidance_emb", "f32", ["B", TIMESTEP_DIM]) : null,
  };
}

/**
 * Builds the transformer graph: inputs img, txt, y, timestep_emb, guidance_emb, pe_cos, pe_sin
 * (and lora_scales with adapters); output out.
 */
export function buildFluxGraph(model: Flux, binder: ParamBinder, options: FluxGraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "flux_transformer");
  const tapNames = new Set(options.taps ?? []);
  const adapters = options.adapters && options.adapters.count > 0 ? options.adapters : null;
  const ctx = adapters
    ? new AdapterBuildContext(
        g,
        binder,
        tapNames,
        new LinearAdapterSet(adapters.layers, g.addInput(LORA_SCALES_INPUT, "f32", [adapters.count])),
      )
    : new BuildContext(g, binder, tapNames);
  g.addOutput(model.forward(ctx, addFluxInputs(g, model)), "out");
  for (const name of options.taps ?? []) {
    const value = ctx.taps.get(name);
    if (value) g.addOutput(value, name);
  }
  return g;
}
