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
import { openComponent, openOnePart } from "../open-component.js";
import { FLUX_STAGES, STAGE_OUT, type FluxStage } from "../../models/flux/stages.js";
import type { LazySession } from "../../runtime/runnable-session.js";
import { isQuantizedPrecision } from "../precision.js";
import { checkScale, planAdapters, type AdapterOptions, type LoadedAdapter } from "./adapters.js";
import { fluxSpec } from "./spec.js";

export type { AdapterOptions, LoadedAdapter } from "./adapters.js";

export interface FluxOptions extends ComponentOptions {
  readonly params: FluxParams;
  /** LoRA / MoE-LoRA adapters, read and checked at open (their files may be closed after). */
  readonly adapters?: readonly AdapterOptions[];
  /**
   * The stage graphs that step caching runs (models/flux/stages.ts): "now" loads them at open
   * beside the whole graph; a function gives each its pool entry (loaded on its first run, so
   * an edit without caching never loads them). Absent: none (staged calls are refused).
   */
  readonly stages?: "now" | ((stage: FluxStage) => LazySession);
}

/** Between stages: the token streams, the conditioning vector and the RoPE tables of one batch. */
export interface StageStreams {
  /** [B, L, D] */
  readonly img: Tensor<"f32">;
  /** [B, T, D] */
  readonly txt: Tensor<"f32">;
  /** [B, D] */
  readonly vec: Tensor<"f32">;
  /** [B, T+L, head_dim/2] each */
  readonly peCos: Tensor<"f32">;
  readonly peSin: Tensor<"f32">;
}

/** The embedders' stage: the streams and TeaCache's signal, the first block's modulated image input [B, L, D]. */
export interface EmbedOutput {
  readonly streams: StageStreams;
  readonly imgMod: Tensor<"f32">;
  readonly ms: number;
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
    private readonly stages: ReadonlyMap<FluxStage, RunnableSession> | null,
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
    const spec = fluxSpec(model, options.params, { engine, plan });
    const session = await openOnePart(engine, spec, "transformer", options);
    let stages: ReadonlyMap<FluxStage, RunnableSession> | null = null;
    if (options.stages) {
      const lazyOf = options.stages === "now" ? undefined : options.stages;
      try {
        // The stages run one after another, each on its own thread pool: threads left spinning by
        // one stage would take the cores from the next (measured on the demo model: 2-5x slower steps).
        const config = { ...options.settings?.config, "session.intra_op.allow_spinning": "0" };
        const settings = { ...options.settings, config };
        stages = (await openComponent(engine, spec, FLUX_STAGES, { ...options, settings, taps: [] }, lazyOf)).sessions;
      } catch (error) {
        await session.release();
        throw error;
      }
    }
    return new FluxTransformer(options.params, session, plan.loaded, plan.slots, plan.branchBytes, stages);
  }

  /** Whether the stage graphs were opened (step caching can run). */
  get hasStages(): boolean {
    return this.stages !== null;
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
    const feeds = { ...fluxFeeds(this.params, call), ...this.scaleFeeds(options) };
    const result = await this.session.run(feeds);
    const { out, ...taps } = result.outputs;
    return { out: out as Tensor<"f32">, taps, ms: result.ms };
  }

  /** `lora_scales` when the graph has adapter branches ({} otherwise; given scales are checked either way). */
  private scaleFeeds(options: FluxForwardOptions): Record<string, Tensor> {
    const branchCount = this.scaleSlots.filter((s) => s >= 0).length;
    if (branchCount === 0) {
      if (options.loraScales) this.checkScales(options.loraScales);
      return {};
    }
    const scales = options.loraScales ? this.checkScales(options.loraScales) : this.scales;
    const values = new Float32Array(branchCount);
    this.scaleSlots.forEach((slot, i) => {
      if (slot >= 0) values[slot] = scales[i] as number;
    });
    return { [LORA_SCALES_INPUT]: tensor("f32", [branchCount], values) };
  }

  private async runStage(stage: FluxStage, feeds: Record<string, Tensor>, options: FluxForwardOptions) {
    const session = this.stages?.get(stage);
    if (!session) {
      throw new InvalidArgumentError(
        "this transformer was opened without its stage graphs: open it with stages (FluxOptions.stages) to run step caching",
      );
    }
    return session.run({ ...feeds, ...this.scaleFeeds(options) });
  }

  /** Stage "embed" of `call`: the embedders' streams [B, L, D], [B, T, D], vec [B, D], with the RoPE tables. */
  async embed(call: FluxCall, options: FluxForwardOptions = {}): Promise<EmbedOutput> {
    const { pe_cos, pe_sin, ...feeds } = fluxFeeds(this.params, call);
    const { outputs, ms } = await this.runStage("embed", feeds, options);
    const streams: StageStreams = {
      img: outputs[STAGE_OUT.img] as Tensor<"f32">,
      txt: outputs[STAGE_OUT.txt] as Tensor<"f32">,
      vec: outputs[STAGE_OUT.vec] as Tensor<"f32">,
      peCos: pe_cos as Tensor<"f32">,
      peSin: pe_sin as Tensor<"f32">,
    };
    return { streams, imgMod: outputs[STAGE_OUT.imgMod] as Tensor<"f32">, ms };
  }

  /** Stage "first" (double block 0) or "rest" (every later block): the streams after it ("rest": txt unchanged, only img is an output). */
  async blocks(stage: "first" | "rest", s: StageStreams, options: FluxForwardOptions = {}): Promise<{ streams: StageStreams; ms: number }> {
    const feeds = { img: s.img, txt: s.txt, vec: s.vec, pe_cos: s.peCos, pe_sin: s.peSin };
    const { outputs, ms } = await this.runStage(stage, feeds, options);
    const img = outputs[STAGE_OUT.img] as Tensor<"f32">;
    const txt = stage === "first" ? (outputs[STAGE_OUT.txt] as Tensor<"f32">) : s.txt;
    return { streams: { ...s, img, txt }, ms };
  }

  /** Stage "final": img [B, L, D], vec [B, D] -> the velocity [B, L, out_channels]. */
  async finalLayer(img: Tensor<"f32">, vec: Tensor<"f32">, options: FluxForwardOptions = {}): Promise<{ out: Tensor<"f32">; ms: number }> {
    const { outputs, ms } = await this.runStage("final", { img, vec }, options);
    return { out: outputs[STAGE_OUT.out] as Tensor<"f32">, ms };
  }

  async release(): Promise<void> {
    await Promise.all([this.session, ...(this.stages?.values() ?? [])].map((s) => s.release()));
  }
}
