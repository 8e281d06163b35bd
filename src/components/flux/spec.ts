/**
 * The FLUX transformer as a component: BFL keys (any supported layout seen through the BFL view),
 * load-error hints that name the checkpoint it probably is, the small embedders and the final
 * layer kept in float when quantized (as city96's GGUF files do), and a graph with the adapters
 * merged into the weights or built in as branches.
 */
import type { ParamBinder, ParamSpec } from "../../nn/module.js";
import { buildFluxGraph, type Flux } from "../../models/flux/model.js";
import { buildFluxStageGraph, stageParams, type FluxStage } from "../../models/flux/stages.js";
import { fluxAdapterBranches } from "../../models/flux/adapters.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Engine } from "../../runtime/engine.js";
import { bflView } from "../../weights/layouts/bfl-view.js";
import type { LoraDescription } from "../../weights/lora/index.js";
import type { ComponentSpec } from "../component-spec.js";
import type { InlineParams, ParamHints } from "../params/load-params.js";
import { mergeLora, type AdapterPlan } from "./adapters.js";

const KNOWN_IN_CHANNELS: Readonly<Record<number, string>> = {
  64: "a FLUX.1 [dev]/[schnell]/Krea/Kontext checkpoint (64 input channels)",
  128: "a FLUX.1 Canny/Depth checkpoint (128 input channels)",
  384: "a FLUX.1 Fill checkpoint (384 input channels)",
};

function mismatchHint(params: FluxParams): (spec: ParamSpec, actual: readonly number[]) => string | undefined {
  return (spec, actual) => {
    if (spec.path === "img_in.weight" && actual[1] !== params.inChannels) {
      const what = KNOWN_IN_CHANNELS[actual[1] ?? 0] ?? `a checkpoint with ${actual[1]} input channels`;
      return `this is ${what}, but the model expects ${params.inChannels} input channels; ICEdit needs FLUX.1 Fill (384: black-forest-labs/FLUX.1-Fill-dev), Kontext needs FLUX.1 Kontext [dev] (64: black-forest-labs/FLUX.1-Kontext-dev)`;
    }
    return "the checkpoint does not have the sizes of the configured model: check that the model config matches the weights";
  };
}

function missingHint(spec: ParamSpec): string | undefined {
  if (spec.path.startsWith("guidance_in."))
    return "the checkpoint has no guidance embedder (FLUX.1 [schnell]?); FLUX.1 Fill [dev] and FLUX.1 Kontext [dev] have one";
  return "is this a FLUX.1 Fill or FLUX.1 Kontext checkpoint?";
}

/** What city96's FLUX GGUF files and ICEdit's memory advice keep in float: the *_in embedders and the final layer. */
export function defaultFluxKeep(path: string): boolean {
  return /^(img_in|txt_in|time_in|vector_in|guidance_in|final_layer)(\.|$)/.test(path);
}

export function fluxHints(params: FluxParams): ParamHints {
  return { mismatch: mismatchHint(params), missing: missingHint };
}

/** Adapters a transformer is built with; merged ones are folded into the weights by `engine` at every load. */
export interface FluxAdapters {
  readonly engine: Engine;
  readonly plan: AdapterPlan;
}

/** The whole transformer in one graph, or one of its stages (models/flux/stages.ts: for step caching). */
export type FluxPart = "transformer" | FluxStage;

/** The transformer's spec (without adapters for a conversion, which builds no graph). */
export function fluxSpec(model: Flux, params: FluxParams, adapters?: FluxAdapters): ComponentSpec<FluxPart> {
  return {
    component: "transformer",
    model,
    view: bflView,
    hints: () => fluxHints(params),
    params: (part) => (part === "transformer" ? model.parameters() : stageParams(model, part)),
    quantized: { keep: defaultFluxKeep },
    async build(loaded: ParamBinder, part, taps) {
      let weights = loaded;
      const branches: LoraDescription[] = [];
      // A stage holds only its own weights: the layers of the others are merged by their own builds.
      const only = part === "transformer" ? undefined : new Set(stageParams(model, part).map((p) => p.path));
      for (const [i, d] of (adapters?.plan.descriptions ?? []).entries()) {
        const scale = adapters?.plan.mergeScales[i] ?? null;
        if (adapters && scale !== null) weights = await mergeLora(adapters.engine, weights as InlineParams, d, scale, only);
        else branches.push(d);
      }
      if (part !== "transformer") return buildFluxStageGraph(model, weights, part, fluxAdapterBranches(branches));
      return buildFluxGraph(model, weights, { taps, adapters: fluxAdapterBranches(branches, new Set(taps)) });
    },
  };
}
