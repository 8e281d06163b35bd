/**
 * A FLUX transformer ready to run: weights checked and loaded from any supported layout, the graph
 * built, and one ONNX Runtime session held across calls (one call per denoising step).
 */
import type { ParamSpec } from "../nn/module.js";
import { Flux, buildFluxGraph } from "../models/flux/model.js";
import { fluxFeeds, type FluxCall } from "../models/flux/inputs.js";
import type { FluxParams } from "../models/flux/params.js";
import type { Engine } from "../runtime/engine.js";
import type { SessionSettings } from "../runtime/protocol.js";
import type { Session } from "../runtime/session.js";
import type { Tensor } from "../tensor.js";
import { bflView } from "../weights/layouts/bfl-view.js";
import type { TensorSource } from "../weights/source.js";
import { loadParams } from "./load-params.js";

export interface LoadFluxOptions {
  readonly params: FluxParams;
  /** Intermediates to return besides `out` (golden tensor names such as "vec", "double0_img"). */
  readonly taps?: readonly string[];
  readonly settings?: Partial<SessionSettings>;
}

export interface FluxOutput {
  /** [B, L, out_channels] */
  readonly out: Tensor<"f32">;
  readonly taps: Readonly<Record<string, Tensor>>;
  readonly ms: number;
}

const KNOWN_IN_CHANNELS: Readonly<Record<number, string>> = {
  64: "a FLUX.1 [dev]/[schnell]/Krea/Kontext checkpoint (64 input channels)",
  128: "a FLUX.1 Canny/Depth checkpoint (128 input channels)",
  384: "a FLUX.1 Fill checkpoint (384 input channels)",
};

function mismatchHint(params: FluxParams): (spec: ParamSpec, actual: readonly number[]) => string | undefined {
  return (spec, actual) => {
    if (spec.path === "img_in.weight" && actual[1] !== params.inChannels) {
      const what = KNOWN_IN_CHANNELS[actual[1] ?? 0] ?? `a checkpoint with ${actual[1]} input channels`;
      return `this is ${what}, but the model expects ${params.inChannels} input channels; FLUX.1 Fill needs 384 (use black-forest-labs/FLUX.1-Fill-dev)`;
    }
    return "the checkpoint does not have the sizes of the configured model: check that the model config matches the weights";
  };
}

function missingHint(spec: ParamSpec): string | undefined {
  if (spec.path.startsWith("guidance_in.")) return "the checkpoint has no guidance embedder (FLUX.1 [schnell]?); FLUX.1 Fill [dev] has one";
  return "is this a FLUX.1 Fill checkpoint?";
}

export class FluxTransformer {
  private constructor(
    readonly params: FluxParams,
    private readonly session: Session,
    readonly taps: readonly string[],
  ) {}

  static async load(engine: Engine, source: TensorSource, options: LoadFluxOptions): Promise<FluxTransformer> {
    const model = new Flux(options.params);
    const weights = await loadParams(model.parameters(), bflView(source), {
      mismatch: mismatchHint(options.params),
      missing: missingHint,
    });
    const graph = buildFluxGraph(model, weights, { taps: options.taps ?? [] });
    const session = await engine.load(graph, options.settings);
    const taps = graph.outputs.map((o) => o.name).filter((n) => n !== "out");
    return new FluxTransformer(options.params, session, taps);
  }

  /** One transformer evaluation (BFL Flux.forward). */
  async forward(call: FluxCall): Promise<FluxOutput> {
    const result = await this.session.run(fluxFeeds(this.params, call));
    const { out, ...taps } = result.outputs;
    return { out: out as Tensor<"f32">, taps, ms: result.ms };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
