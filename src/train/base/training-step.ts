/**
 * One full-parameter training step of the FLUX Fill transformer, run by ONNX Runtime: the graph of
 * graph.ts (every weight an input, no initializers), fed the host-side inputs of a training batch
 * and the current weights; returns the loss, the prediction and every weight's gradient.
 */
import { Flux } from "../../models/flux/model.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { gradOutput, LOSS_OUTPUT, PRED_OUTPUT } from "../step/flow-loss.js";
import type { TrainingInputs } from "../step/host-inputs.js";
import { trainingFeeds } from "../step/step-feeds.js";
import { BaseTrainingError } from "./errors.js";
import { buildBaseTrainingGraph } from "./graph.js";
import { initialBaseWeights } from "./init.js";
import { InputParamBinder } from "../params/input-binder.js";

export interface BaseTrainingStepOptions {
  readonly params: FluxParams;
  /** Recompute each block's forward in the backward pass (default true): memory of one block's activations. */
  readonly checkpointing?: boolean;
  readonly settings?: Partial<SessionSettings>;
  /** The weights to start from (every transformer key, checked); default: the seeded from-scratch init of init.ts. */
  readonly initialWeights?: ReadonlyMap<string, Tensor<"f32">>;
  /** Seed of the from-scratch init when no initialWeights are given (default 0). */
  readonly seed?: number;
}

export interface BaseTrainingStepResult {
  readonly loss: number;
  /** [B, L, out_channels] */
  readonly pred: Tensor<"f32">;
  /** dL/d(weight) for every transformer weight, by BFL key. */
  readonly grads: Map<string, Tensor<"f32">>;
  readonly ms: number;
}

/** The weight for `spec`, present and of its shape. */
function checkWeight(spec: ParamSpec, w: Tensor<"f32"> | undefined): Tensor<"f32"> {
  if (!w) throw new BaseTrainingError(`no value given for transformer weight ${spec.path}`);
  if (w.dims.length !== spec.shape.length || w.dims.some((d, i) => d !== spec.shape[i])) {
    throw new BaseTrainingError(`transformer weight ${spec.path} has shape ${shapeString(w.dims)}, the model ${shapeString(spec.shape)}`);
  }
  return w;
}

export class BaseTrainingStep {
  private constructor(
    readonly params: FluxParams,
    /** Every trained weight, in the graph's order. */
    readonly specs: readonly ParamSpec[],
    /** The weights a run starts from, by BFL key (the optimizer may update them in place). */
    readonly initialWeights: ReadonlyMap<string, Tensor<"f32">>,
    private readonly session: RunnableSession,
  ) {}

  /** Checks the initial weights, builds the step's graph for a transformer of `options.params` and creates its session. */
  static async open(engine: Engine, options: BaseTrainingStepOptions): Promise<BaseTrainingStep> {
    const model = new Flux(options.params);
    const specs = model.parameters();
    const initial = options.initialWeights ?? initialBaseWeights(options.params, options.seed ?? 0);
    for (const spec of specs) checkWeight(spec, initial.get(spec.path));
    const graph = buildBaseTrainingGraph(model, new InputParamBinder(specs), { checkpointing: options.checkpointing });
    const session = await engine.load(graph, options.settings ?? {});
    return new BaseTrainingStep(options.params, specs, initial, session);
  }

  /** The keys of the trained weights (BFL checkpoint keys). */
  get keys(): string[] {
    return this.specs.map((s) => s.path);
  }

  /** Loss, prediction and the gradient of every weight at `weights` (keyed by BFL key). */
  async run(inputs: TrainingInputs, weights: ReadonlyMap<string, Tensor<"f32">>): Promise<BaseTrainingStepResult> {
    const feeds = trainingFeeds(this.params, inputs);
    for (const spec of this.specs) {
      const w = weights.get(spec.path);
      if (!w) throw new BaseTrainingError(`no value given for transformer weight ${spec.path}`);
      if (w.dims.length !== spec.shape.length || w.dims.some((d, i) => d !== spec.shape[i])) {
        throw new BaseTrainingError(
          `transformer weight ${spec.path} has shape ${shapeString(w.dims)}, the model ${shapeString(spec.shape)}`,
        );
      }
      feeds[spec.path] = w;
    }
    const result = await this.session.run(feeds);
    const out = result.outputs;
    const grads = new Map<string, Tensor<"f32">>();
    for (const spec of this.specs) grads.set(spec.path, out[gradOutput(spec.path)] as Tensor<"f32">);
    const loss = (out[LOSS_OUTPUT] as Tensor<"f32">).data[0] as number;
    return { loss, pred: out[PRED_OUTPUT] as Tensor<"f32">, grads, ms: result.ms };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
