/**
 * One training step of an adapter on a frozen FLUX transformer, run by ONNX Runtime: the graph of
 * graph.ts opened like the inference transformer (the same checks, weight loading, quantization
 * and session), fed the host-side inputs of host-inputs.ts and the current adapter tensors.
 */
import { InvalidArgumentError } from "../../errors.js";
import { fluxSpec } from "../../components/flux/spec.js";
import type { ComponentOptions } from "../../components/component-spec.js";
import { openOnePart } from "../../components/open-component.js";
import { Flux } from "../../models/flux/model.js";
import type { ParamBinder } from "../../nn/module.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Engine } from "../../runtime/engine.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import type { Tensor } from "../../tensor.js";
import { feedTrained, scalarOutput, trainedGrads, type TrainedSpec } from "../params/trained-tensors.js";
import { TrainableAdapterError } from "../adapter/errors.js";
import type { TrainableAdapter } from "../adapter/trainable-adapter.js";
import { buildTrainingGraph, LOSS_OUTPUT, PRED_OUTPUT } from "./graph.js";
import type { TrainingInputs } from "./host-inputs.js";
import { trainingFeeds } from "./step-feeds.js";

export interface TrainingStepOptions extends Omit<ComponentOptions, "taps" | "lazy"> {
  readonly params: FluxParams;
  readonly adapter: TrainableAdapter;
  /** Recompute each block's forward in the backward pass (default true): memory of one block's activations. */
  readonly checkpointing?: boolean;
  /** Kontext: the inputs carry condition tokens (imgCondIds) whose outputs get no loss (see TrainingGraphOptions). */
  readonly conditionTokens?: boolean;
}

export interface TrainingStepResult {
  readonly loss: number;
  /** [B, L, out_channels] */
  readonly pred: Tensor<"f32">;
  /** dL/d(tensor) for every adapter key. */
  readonly grads: Map<string, Tensor<"f32">>;
  readonly ms: number;
}

export class TrainingStep {
  /** The adapter's tensors as the graph's trained inputs. */
  private readonly trained: readonly TrainedSpec[];

  private constructor(
    readonly params: FluxParams,
    readonly adapter: TrainableAdapter,
    private readonly session: RunnableSession,
    private readonly conditionTokens: boolean,
  ) {
    this.trained = adapter.keys.map((key) => ({ key, shape: adapter.dims(key) }));
  }

  /** Checks and loads the frozen base (float or quantized, as `options.precision` says) and builds the step's graph. */
  static async open(engine: Engine, options: TrainingStepOptions): Promise<TrainingStep> {
    const model = new Flux(options.params);
    const { adapter } = options;
    const spec = {
      ...fluxSpec(model, options.params),
      build: (weights: ParamBinder) =>
        buildTrainingGraph(model, weights, adapter, {
          checkpointing: options.checkpointing,
          conditionTokens: options.conditionTokens,
        }),
    };
    const session = await openOnePart(engine, spec, "transformer", options);
    return new TrainingStep(options.params, adapter, session, options.conditionTokens === true);
  }

  /** Loss, prediction and the gradient of every adapter tensor at `params` (keyed like the adapter). */
  async run(inputs: TrainingInputs, params: ReadonlyMap<string, Tensor<"f32">>): Promise<TrainingStepResult> {
    if ((inputs.imgCondIds !== undefined) !== this.conditionTokens)
      throw new InvalidArgumentError(
        this.conditionTokens
          ? "this training step was built for Kontext: its inputs need the condition tokens' ids (imgCondIds)"
          : "this training step was built for channel-wise conditioning (ICEdit): its inputs cannot carry condition tokens (imgCondIds)",
      );
    const feeds = trainingFeeds(this.params, inputs);
    feedTrained(feeds, this.trained, params, "adapter tensor", (message) => new TrainableAdapterError(message));
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
