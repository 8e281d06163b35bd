/**
 * One autoencoder training step of the FLUX VAE, run by ONNX Runtime: the graph of graph.ts (every
 * weight an input, no initializers), fed a batch of images, the reparameterisation noise and the
 * current weights; returns the loss, its two terms and every weight's gradient. Opened with input
 * "latent", the step is the decoder's alone: fed latents and the images they should decode to, it
 * returns the decoder's gradients.
 */
import { AutoEncoder } from "../../models/vae/model.js";
import { validateVaeParams, type VaeParams } from "../../models/vae/params.js";
import type { ParamSpec } from "../../nn/module.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import { shapeString, type Tensor } from "../../tensor.js";
import { LOSS_OUTPUT } from "../step/flow-loss.js";
import { checkTrained, feedTrained, scalarOutput, trainedGrads, type TrainedSpec } from "../params/trained-tensors.js";
import { InputParamBinder } from "../params/input-binder.js";
import { VaeTrainingError } from "./errors.js";
import { buildVaeTrainingGraph, EPS_INPUT, IMAGE_INPUT, KL_OUTPUT, LATENT_INPUT, MSE_OUTPUT, type VaeBatchShape } from "./graph.js";
import { initialVaeWeights } from "./init.js";

export interface VaeTrainingStepOptions {
  readonly params: VaeParams;
  /** Weight of the KL term against a per-pixel sum (default 1e-6, LDM's). */
  readonly klWeight?: number;
  readonly settings?: Partial<SessionSettings>;
  /** The weights to start from (every VAE key, checked); default: the seeded init of init.ts. */
  readonly initialWeights?: ReadonlyMap<string, Tensor<"f32">>;
  /** Seed of the from-scratch init when no initialWeights are given (default 0). */
  readonly seed?: number;
  /**
   * The one batch shape the step runs (static dims: the session opens several times faster);
   * default any batch shape.
   */
  readonly shape?: VaeBatchShape;
  /**
   * "image" (default): the autoencoder step, run(image, eps). "latent": the decoder's step,
   * run(image, z) with the unscaled latents z to decode into `image`; only decoder.* weights train.
   */
  readonly input?: "image" | "latent";
}

export interface VaeTrainingStepResult {
  /** mse + kl_weight * KL per pixel. */
  readonly loss: number;
  /** mean((recon - image)^2) over every pixel and channel. */
  readonly mse: number;
  /** The KL per latent element, unweighted (0 for a decoder step). */
  readonly kl: number;
  /** dL/d(weight) for every VAE weight, by BFL key. */
  readonly grads: Map<string, Tensor<"f32">>;
  readonly ms: number;
}

const fail = (message: string): Error => new VaeTrainingError(message);

function trainedSpecs(specs: readonly ParamSpec[]): TrainedSpec[] {
  return specs.map((s) => ({ key: s.path, shape: s.shape }));
}

/** image [B, in, H, W] with H, W multiples of f (the step's shape when it was built for one); eps (or latent) [B, z, H/f, W/f]. */
function checkBatch(params: VaeParams, shape: VaeBatchShape | undefined, image: Tensor<"f32">, eps: Tensor<"f32">, what: string): void {
  const { factor } = validateVaeParams(params);
  const [b, c, h, w] = image.dims;
  if (image.dims.length !== 4 || c !== params.inChannels || (h ?? 0) % factor !== 0 || (w ?? 0) % factor !== 0) {
    throw new VaeTrainingError(
      `the training images must be [B, ${params.inChannels}, H, W] with H and W multiples of ${factor}, got ${shapeString(image.dims)}`,
    );
  }
  if (shape && (b !== shape.batch || h !== shape.height || w !== shape.width)) {
    const built = [shape.batch, params.inChannels, shape.height, shape.width];
    throw new VaeTrainingError(
      `this training step was opened for images ${shapeString(built)}, got ${shapeString(image.dims)}: open a step with that shape (or none, for any)`,
    );
  }
  const want = [b, params.zChannels, (h ?? 0) / factor, (w ?? 0) / factor] as number[];
  if (eps.dims.length !== 4 || eps.dims.some((d, i) => d !== want[i])) {
    throw new VaeTrainingError(`${what} must be ${shapeString(want)} for images ${shapeString(image.dims)}, got ${shapeString(eps.dims)}`);
  }
}

export class VaeTrainingStep {
  private constructor(
    readonly params: VaeParams,
    /** Every trained weight, in the graph's order. */
    readonly specs: readonly ParamSpec[],
    private readonly trained: readonly TrainedSpec[],
    /** The weights a run starts from, by BFL key (the optimizer may update them in place). */
    readonly initialWeights: ReadonlyMap<string, Tensor<"f32">>,
    private readonly session: RunnableSession,
    /** The one batch shape the step runs, when it was opened for one. */
    readonly shape: VaeBatchShape | undefined,
    readonly input: "image" | "latent",
  ) {}

  /** Checks the initial weights, builds the step's graph for a VAE of `options.params` and creates its session. */
  static async open(engine: Engine, options: VaeTrainingStepOptions): Promise<VaeTrainingStep> {
    const model = new AutoEncoder(options.params);
    const input = options.input ?? "image";
    const specs = input === "latent" ? model.decoder.parameters() : model.parameters();
    const initial = options.initialWeights ?? initialVaeWeights(options.params, options.seed ?? 0);
    for (const spec of trainedSpecs(specs)) checkTrained(spec, initial.get(spec.key), "VAE weight", fail);
    const graph = buildVaeTrainingGraph(model, new InputParamBinder(specs), { klWeight: options.klWeight, shape: options.shape, input });
    const session = await engine.load(graph, options.settings ?? {});
    return new VaeTrainingStep(options.params, specs, trainedSpecs(specs), initial, session, options.shape, input);
  }

  /** The keys of the trained weights (BFL checkpoint keys). */
  get keys(): string[] {
    return this.specs.map((s) => s.path);
  }

  /**
   * image: [B, in, H, W] in [-1, 1], eps (a decoder step: the latent to decode into `image`) [B, z,
   * H/f, W/f] -> loss, its terms and every trained weight's gradient at `weights`.
   */
  async run(image: Tensor<"f32">, eps: Tensor<"f32">, weights: ReadonlyMap<string, Tensor<"f32">>): Promise<VaeTrainingStepResult> {
    const latent = this.input === "latent";
    checkBatch(this.params, this.shape, image, eps, latent ? "the latent" : "the noise eps");
    const feeds: Record<string, Tensor> = { [IMAGE_INPUT]: image, [latent ? LATENT_INPUT : EPS_INPUT]: eps };
    feedTrained(feeds, this.trained, weights, "VAE weight", fail);
    const result = await this.session.run(feeds);
    const out = result.outputs;
    const scalar = (name: string): number => scalarOutput(out, name);
    return {
      loss: scalar(LOSS_OUTPUT),
      mse: scalar(MSE_OUTPUT),
      kl: latent ? 0 : scalar(KL_OUTPUT),
      grads: trainedGrads(out, this.trained),
      ms: result.ms,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
