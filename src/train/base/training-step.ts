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
import type { Tensor } from "../../tensor.js";
import { LOSS_OUTPUT, PRED_OUTPUT } from "../step/flow-loss.js";
import { checkTrained, feedTrained, scalarOutput, trainedGrads, type TrainedSpec } from "../params/trained-tensors.js";
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

const fail = (message: string): Error => new BaseTrainingError(message);

/** The parameters as trained tensors (key = BFL path). */
function trainedSpecs(specs: readonly ParamSpec[]): TrainedSpec[] {
  return specs.map((s) => ({ key: s.path, shape: s.shape }));
}

export class BaseTrainingStep {
  private constructor(
    readonly params: FluxParams,
    /** Every trained weight, in the graph's order. */
    readonly specs: readonly ParamSpec[],
    private readonly trained: readonly TrainedSpec[],
    /** The weights a run starts from, by BFL key (the optimizer may update them in place). */
    readonly initialWeights: ReadonlyMap<string, Tensor<"f32">>,
    private readonly session: RunnableSession,
  ) {}

  /** Checks the initial weights, builds the step's graph for a transformer of `options.params` and creates its session. */
  static async open(engine: Engine, options: BaseTrainingStepOptions): Promise<BaseTrainingStep> {
    const model = new Flux(options.params);
    const specs = model.parameters();
    const initial = options.initialWeights ?? initialBaseWeights(options.params, options.seed ?? 0);
    for (const spec of trainedSpecs(specs)) checkTrained(spec, initial.get(spec.key), "transformer weight", fail);
    const graph = buildBaseTrainingGraph(model, new InputParamBinder(specs), { checkpointing: options.checkpointing });
    const session = await engine.load(graph, options.settings ?? {});
    return new BaseTrainingStep(options.params, specs, trainedSpecs(specs), initial, session);
  }

  /** The keys of the trained weights (BFL checkpoint keys). */
  get keys(): string[] {
    return this.specs.map((s) => s.path);
  }

  /** Loss, prediction and the gradient of every weight at `weights` (keyed by BFL key). */
  async run(inputs: TrainingInputs, weights: ReadonlyMap<string, Tensor<"f32">>): Promise<BaseTrainingStepResult> {
    const feeds = trainingFeeds(this.params, inputs);
    feedTrained(feeds, this.trained, weights, "transformer weight", fail);
    const result = await this.session.run(feeds);
    const out = result.outputs;
    return {
      loss: scalarOutput(out, LOSS_OUTPUT),
      pred: out[PRED_OUTPUT] as Tensor<"f32">,
      grads: trainedGrads(out, this.trained),
      ms: result.ms,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
