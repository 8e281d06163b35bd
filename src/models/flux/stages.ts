/**
 * The transformer in four graphs, for step caching (First-Block Cache, TeaCache): the input
 * embedders (with the first block's modulated image input, TeaCache's signal), the first
 * double-stream block, the remaining blocks, and the final layer. Run one after the other they
 * compute what the whole graph (buildFluxGraph) computes; each reads only its own weights, except
 * that the embedders' graph also reads the first block's image modulation.
 */
import { Graph } from "../../onnx/graph.js";
import { concat, sliceAfter } from "../../onnx/ops/index.js";
import type { ParamSpec } from "../../nn/module.js";
import { BuildContext, type ParamBinder } from "../../nn/module.js";
import { AdapterBuildContext } from "../../nn/adapter-context.js";
import { LinearAdapterSet } from "../../nn/adapter-set.js";
import { InvalidArgumentError } from "../../errors.js";
import type { DoubleStreamBlock } from "./double-block.js";
import { addFluxEmbedInputs, LORA_SCALES_INPUT, type Flux, type FluxAdapterOptions } from "./model.js";
import type { Rope } from "./layers.js";

export const FLUX_STAGES = ["embed", "first", "rest", "final"] as const;
export type FluxStage = (typeof FLUX_STAGES)[number];

/** Output names of the stage graphs (inputs keep the whole graph's names, plus img/txt/vec). */
export const STAGE_OUT = { img: "img_out", txt: "txt_out", vec: "vec_out", imgMod: "img_mod", out: "out" } as const;

function firstBlock(model: Flux): DoubleStreamBlock {
  const block = model.doubleBlocks[0];
  if (!block) throw new InvalidArgumentError("step caching needs a transformer with at least one double-stream block (depth >= 1)");
  return block;
}

/** The parameters `stage` reads. */
export function stageParams(model: Flux, stage: FluxStage): ParamSpec[] {
  const block = firstBlock(model);
  switch (stage) {
    case "embed":
      return [
        ...model.imgIn.parameters(),
        ...model.timeIn.parameters(),
        ...model.vectorIn.parameters(),
        ...(model.guidanceIn?.parameters() ?? []),
        ...model.txtIn.parameters(),
        ...block.img.mod.parameters(),
      ];
    case "first":
      return block.parameters();
    case "rest":
      return [...model.doubleBlocks.slice(1).flatMap((b) => b.parameters()), ...model.singleBlocks.flatMap((b) => b.parameters())];
    case "final":
      return model.finalLayer.parameters();
  }
}

function ropeInputs(g: Graph, model: Flux): Rope {
  return {
    cos: g.addInput("pe_cos", "f32", ["B", "S", model.headDim / 2]),
    sin: g.addInput("pe_sin", "f32", ["B", "S", model.headDim / 2]),
  };
}

/**
 * The graph of one stage:
 * - embed: the whole graph's inputs (less pe) -> img_out [B, L, D], txt_out [B, T, D], vec_out [B, D],
 *   img_mod [B, L, D] (the first block's modulated image input);
 * - first: img, txt, vec, pe_cos, pe_sin -> img_out, txt_out after double block 0;
 * - rest: the same -> img_out [B, L, D], the image tokens after the last block;
 * - final: img [B, L, D], vec -> out [B, L, out_channels].
 * With adapters every stage takes `lora_scales` (a stage without adapted layers ignores it).
 */
export function buildFluxStageGraph(model: Flux, binder: ParamBinder, stage: FluxStage, adapters?: FluxAdapterOptions): Graph {
  const block = firstBlock(model);
  const g = new Graph(`flux_${stage}`);
  const branches = adapters && adapters.count > 0 ? adapters : null;
  const ctx = branches
    ? new AdapterBuildContext(
        g,
        binder,
        new Set(),
        new LinearAdapterSet(branches.layers, g.addInput(LORA_SCALES_INPUT, "f32", [branches.count])),
      )
    : new BuildContext(g, binder);
  if (stage === "embed") {
    const streams = model.embed(ctx, addFluxEmbedInputs(g, model));
    g.addOutput(streams.img, STAGE_OUT.img);
    g.addOutput(streams.txt, STAGE_OUT.txt);
    g.addOutput(streams.vec, STAGE_OUT.vec);
    g.addOutput(block.imgModulatedInput(ctx, streams.img, streams.vec), STAGE_OUT.imgMod);
    return g;
  }
  const d = model.params.hiddenSize;
  const img = g.addInput("img", "f32", ["B", "L", d]);
  if (stage === "final") {
    g.addOutput(model.finalLayer.forward(ctx, img, g.addInput("vec", "f32", ["B", d])), STAGE_OUT.out);
    return g;
  }
  const txt = g.addInput("txt", "f32", ["B", "T", d]);
  const vec = g.addInput("vec", "f32", ["B", d]);
  const pe = ropeInputs(g, model);
  if (stage === "first") {
    const out = model.doubleStream(ctx, img, txt, vec, pe, 0, 1);
    g.addOutput(out.img, STAGE_OUT.img);
    g.addOutput(out.txt, STAGE_OUT.txt);
    return g;
  }
  const doubles = model.doubleStream(ctx, img, txt, vec, pe, 1);
  const x = model.singleStream(ctx, concat([doubles.txt, doubles.img], 1), vec, pe);
  g.addOutput(sliceAfter(x, 1, doubles.txt), STAGE_OUT.img);
  return g;
}
