/**
 * A FLUX transformer ready to run: weights checked and loaded from any supported layout, adapters
 * read and either built in as graph branches or merged into the weights (adapters.ts), the graph
 * built, and one ONNX Runtime session held across calls (one call per denoising step).
 */
import { Flux, LORA_SCALES_INPUT } from "../../models/flux/model.js";
import { fluxFeeds, type FluxCall } from "../../models/flux/inputs.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Engine } from "../../runtime/engine.js";
import type { RunnableSession } from "../../runtime/runnable-session.js";
import { tensor, type Tensor } from "../../tensor.js";
import { LoraMergeError } from "../../weights/lora/index.js";
import { InvalidArgumentError } from "../../errors.js";
import type { ComponentOptions } from "../component-spec.js";
import { openOnePart } from "../open-component.js";
import { isQuantizedPrecision } from "../precision.js";
import { checkScale, planAdapters, type AdapterOptions, type LoadedAdapter } from "./adapters.js";
import { fluxSpec } from "./spec.js";

export type { AdapterOptions, LoadedAdapter } from "./adapters.js";

export interface FluxOptions extends ComponentOptions {
  readonly params: FluxParams;
  /** LoRA / MoE-LoRA adapters, read and checked at open (their files may be closed after). */
  readonly adapters?: readonly AdapterOptions[];
}

export interface FluxForwardOptions {
  /** One scale per adapter (in load order); default: the current scales. */
  readonly loraScales?: readonly number[];
}

export interface FluxOutput {
  /** [B, L, out_channels] */
  readonly out: Tensor<"f32">;
  readonly taps: Readonly<Record<string, Tensor>>;
  readonly ms: number;
}

export class FluxTransformer {
  private scales: number[];

  private constructor(
    readonly params: FluxParams,
    private readonly session: RunnableSession,
    /** Every adapter, in load order. */
    readonly adapters: readonly LoadedAdapter[],
    /** Index into lora_scales of each adapter, or -1 when it is merged. */
    private readonly scaleSlots: readonly number[],
    /** Bytes of the adapters' graph branches (float tensors beside the base weights). */
    readonly branchBytes: number,
  ) {
    this.scales = adapters.map((a) => a.scale);
  }

  /**
   * Reads the adapters and checks them and every weight's shape (bad files fail here), then loads
   * the weights and creates the session now, or, with `options.lazy` (a SessionPool entry), on the
   * first run and again after every eviction.
   */
  static async open(engine: Engine, options: FluxOptions): Promise<FluxTransformer> {
    const model = new Flux(options.params);
    const plan = await planAdapters(model, options.adapters ?? [], isQuantizedPrecision(options.precision));
    const session = await openOnePart(engine, fluxSpec(model, options.params, { engine, plan }), "transformer", options);
    return new FluxTransformer(options.params, session, plan.loaded, plan.slots, plan.branchBytes);
  }

  /** The current scale of each adapter (load order). */
  get loraScales(): readonly number[] {
    return [...this.scales];
  }

  /** Sets the scale of each adapter (load order) for later calls; a merged adapter's scale is fixed. */
  setLoraScales(scales: readonly number[]): void {
    this.scales = this.checkScales(scales);
  }

  private checkScales(scales: readonly number[]): number[] {
    if (scales.length !== this.adapters.length) {
      throw new InvalidArgumentError(
        `${scales.length} LoRA scales given, but ${this.adapters.length} adapters are loaded (${this.adapters.map((a) => a.name).join(", ") || "none"})`,
      );
    }
    return scales.map((s, i) => {
      const a = this.adapters[i] as LoadedAdapter;
      checkScale(a.name, s);
      if (a.merged && s !== a.scale) {
        throw new LoraMergeError(
          `adapter ${a.name} is merged into the weights at scale ${a.scale}; load it with merge: false to change its scale per call`,
        );
      }
      return s;
    });
  }

  /** One transformer evaluation (BFL Flux.forward), with the adapters at the given or current scales. */
  async forward(call: FluxCall, options: FluxForwardOptions = {}): Promise<FluxOutput> {
    const feeds = fluxFeeds(this.params, call);
    const branchCount = this.scaleSlots.filter((s) => s >= 0).length;
    if (branchCount > 0) {
      const scales = options.loraScales ? this.checkScales(options.loraScales) : this.scales;
      const values = new Float32Array(branchCount);
      this.scaleSlots.forEach((slot, i) => {
        if (slot >= 0) values[slot] = scales[i] as number;
      });
      feeds[LORA_SCALES_INPUT] = tensor("f32", [branchCount], values);
    } else if (options.loraScales) this.checkScales(options.loraScales);
    const result = await this.session.run(feeds);
    const { out, ...taps } = result.outputs;
    return { out: out as Tensor<"f32">, taps, ms: result.ms };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
