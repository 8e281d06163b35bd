/**
 * A FLUX transformer ready to run: weights checked and loaded from any supported layout, adapters
 * (LoRA in any common format, ICEdit's MoE-LoRA) read and either built in as graph branches or
 * merged into the weights, the graph built, and one ONNX Runtime session held across calls (one
 * call per denoising step).
 */
import { basename, extname } from "node:path";
import type { ParamBinder, ParamSpec } from "../../nn/module.js";
import { blockDiagonalB, fuseLowRank } from "../../nn/lora.js";
import { buildLoraMergeGraph } from "../../nn/lora-merge.js";
import { Flux, buildFluxGraph, LORA_SCALES_INPUT } from "../../models/flux/model.js";
import { fluxAdapterBranches } from "../../models/flux/adapters.js";
import { fluxFeeds, type FluxCall } from "../../models/flux/inputs.js";
import type { FluxParams } from "../../models/flux/params.js";
import type { Engine } from "../../runtime/engine.js";
import type { SessionSettings } from "../../runtime/protocol.js";
import type { LazySession, RunnableSession } from "../../runtime/runnable-session.js";
import type { Graph } from "../../onnx/graph.js";
import { InvalidArgumentError } from "../../errors.js";
import { tensor, type Tensor } from "../../tensor.js";
import { bflView } from "../../weights/layouts/bfl-view.js";
import { LoraMergeError, LoraTargets, readLoraAdapter, type LoraDescription, type LoraFormat } from "../../weights/lora/index.js";
import type { TensorSource } from "../../weights/source.js";
import { withOpened, type SourceOpener } from "../../weights/source-opener.js";
import { checkParams, InlineParams, loadParams, type ParamHints } from "../params/load-params.js";
import { fluxQuantOptions, loadQuantizedParams, type QuantOptions } from "../params/quantized-params.js";

export interface AdapterOptions {
  readonly source: TensorSource;
  /** Shown in records and messages; default: the file name without extension. */
  readonly name?: string;
  /** Run-time scale (diffusers' adapter weight / joint_attention_kwargs scale); default 1. */
  readonly scale?: number;
  /** Experts per token in MoE-LoRA layers (not stored in the files; ICEdit's loader uses 1). */
  readonly topK?: number;
  /** Fold the LoRA into the base weights (base speed, scale fixed); refused for a MoE-LoRA. */
  readonly merge?: boolean;
}

export interface LoadFluxOptions {
  readonly params: FluxParams;
  /** Intermediates to return besides `out` (golden names such as "vec", "double0_img", "route.<module>"). */
  readonly taps?: readonly string[];
  readonly settings?: Partial<SessionSettings>;
  readonly adapters?: readonly AdapterOptions[];
  /** Block-quantize the linear weights (MatMulNBits); adapters stay in float. */
  readonly quant?: QuantOptions;
}

/** LoadFluxOptions of a lazily loaded transformer (no taps: those are for parity checks). */
export type OpenFluxOptions = Omit<LoadFluxOptions, "taps">;

/** What was made of one adapter (for the CLI and the job record). */
export interface LoadedAdapter {
  readonly name: string;
  readonly file: string;
  readonly format: LoraFormat;
  readonly kind: "lora" | "moe-lora";
  readonly matchedModules: number;
  readonly totalModules: number;
  readonly ignoredKeys: number;
  readonly warnings: readonly string[];
  /** Linear layers it changes. */
  readonly layers: number;
  readonly merged: boolean;
  /** The scale at load time (for a merged adapter, the one baked in). */
  readonly scale: number;
  readonly topK: number | null;
  readonly experts: number | null;
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

function checkScale(name: string, scale: number): number {
  if (!Number.isFinite(scale)) throw new InvalidArgumentError(`adapter ${name}: the scale must be a finite number, got ${scale}`);
  return scale;
}

function adapterNames(adapters: readonly AdapterOptions[]): string[] {
  const used = new Set<string>();
  return adapters.map((a, i) => {
    const base = a.name ?? (basename(a.source.description, extname(a.source.description)) || `adapter${i}`);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}#${n}`;
    used.add(name);
    return name;
  });
}

function describe(name: string, options: AdapterOptions, d: LoraDescription): LoadedAdapter {
  const moe = [...d.layers.values()].flatMap((l) => l.moe);
  return {
    name,
    file: d.source,
    format: d.format,
    kind: d.hasMoe ? "moe-lora" : "lora",
    matchedModules: d.matchedModules,
    totalModules: d.totalModules,
    ignoredKeys: d.ignoredKeys.length,
    warnings: d.warnings,
    layers: d.layers.size,
    merged: options.merge === true,
    scale: options.scale ?? 1,
    topK: moe[0]?.topK ?? null,
    experts: moe[0]?.experts.length ?? null,
  };
}

/** W' = W + scale * B A (and b' = b + scale * bias) for every layer of a plain LoRA, run by ONNX Runtime. */
async function mergeLora(engine: Engine, weights: InlineParams, d: LoraDescription, scale: number): Promise<InlineParams> {
  const tensors = new Map(weights.tensors);
  const session = await engine.load(buildLoraMergeGraph());
  try {
    for (const layer of d.layers.values()) {
      const fused = fuseLowRank(layer.plain, layer.inFeatures, layer.outFeatures);
      const key = `${layer.linear}.weight`;
      const w = tensors.get(key);
      if (!w) throw new LoraMergeError(`cannot merge ${d.source}: the model has no weight ${key}`);
      const up = blockDiagonalB(fused);
      const b = tensor("f32", up.dims, up.data.map((v) => v * scale));
      const { outputs } = await session.run({ w, b, a: fused.A });
      tensors.set(key, outputs["merged"] as Tensor<"f32">);
      if (fused.bias) {
        const biasKey = `${layer.linear}.bias`;
        const bias = tensors.get(biasKey);
        if (!bias) throw new LoraMergeError(`cannot merge ${d.source}: its lora_B bias needs ${biasKey}, which the model lacks`);
        const add = fused.bias.data;
        tensors.set(biasKey, tensor("f32", bias.dims, bias.data.map((v, i) => v + scale * (add[i] as number))));
      }
    }
  } finally {
    await session.release();
  }
  return new InlineParams(tensors);
}

/** What a load decides before reading any weight: the module tree and the adapters, read and checked. */
interface FluxRecipe {
  readonly model: Flux;
  readonly quant?: QuantOptions;
  readonly hints: ParamHints;
  readonly descriptions: readonly LoraDescription[];
  /** Per adapter: the scale it is merged into the weights at, or null when it stays a graph branch. */
  readonly mergeScales: readonly (number | null)[];
  readonly loaded: readonly LoadedAdapter[];
  /** Index into lora_scales of each adapter, or -1 when it is merged. */
  readonly slots: readonly number[];
  /** Bytes of the float tensors of the adapters kept as graph branches. */
  readonly branchBytes: number;
}

/** Bytes of every tensor of an adapter (its low-rank pairs, biases, experts and routers). */
function adapterBytes(d: LoraDescription): number {
  let bytes = 0;
  for (const layer of d.layers.values()) {
    for (const u of layer.plain) bytes += u.A.data.byteLength + u.B.data.byteLength + (u.bias?.data.byteLength ?? 0);
    for (const m of layer.moe) {
      bytes += m.route.data.byteLength;
      for (const e of m.experts) bytes += e.A.data.byteLength + e.B.data.byteLength;
    }
  }
  return bytes;
}

/** Reads the adapters and checks them and every weight's shape against `source` (headers only). */
async function prepareFlux(source: TensorSource, options: OpenFluxOptions): Promise<FluxRecipe> {
  const model = new Flux(options.params);
  const adapters = options.adapters ?? [];
  const names = adapterNames(adapters);
  const targets = adapters.length > 0 ? LoraTargets.fromParams(model.parameters()) : null;
  const descriptions: LoraDescription[] = [];
  for (const [i, a] of adapters.entries()) {
    checkScale(names[i] as string, a.scale ?? 1);
    const d = await readLoraAdapter(a.source, targets as LoraTargets, { topK: a.topK });
    if (a.merge && d.hasMoe) {
      throw new LoraMergeError(
        `adapter ${names[i]} (${d.source}) is a MoE-LoRA: its experts are chosen per token, so it cannot be merged into the weights; load it with merge: false`,
      );
    }
    descriptions.push(d);
  }
  const hints = { mismatch: mismatchHint(options.params), missing: missingHint };
  if (options.quant && adapters.some((a) => a.merge)) {
    throw new LoraMergeError("merging LoRA into quantized weights is not supported: leave the adapters unmerged (their branches stay in float)");
  }
  checkParams(model.parameters(), bflView(source), hints);
  let branches = 0;
  const slots = adapters.map((a) => (a.merge ? -1 : branches++));
  return {
    model,
    quant: options.quant,
    hints,
    descriptions,
    mergeScales: adapters.map((a) => (a.merge ? (a.scale ?? 1) : null)),
    loaded: descriptions.map((d, i) => describe(names[i] as string, adapters[i] as AdapterOptions, d)),
    slots,
    branchBytes: descriptions.reduce((sum, d, i) => (adapters[i]?.merge ? sum : sum + adapterBytes(d)), 0),
  };
}

/** Reads the weights of `source` (quantized or float), merges the merged adapters, builds the graph. */
async function buildFlux(engine: Engine, source: TensorSource, recipe: FluxRecipe, taps: readonly string[]): Promise<Graph> {
  const { model, hints } = recipe;
  let weights: ParamBinder = recipe.quant
    ? await loadQuantizedParams(model, bflView(source), fluxQuantOptions(recipe.quant), hints)
    : await loadParams(model.parameters(), bflView(source), hints);
  const branches: LoraDescription[] = [];
  for (const [i, d] of recipe.descriptions.entries()) {
    const scale = recipe.mergeScales[i] ?? null;
    if (scale !== null) weights = await mergeLora(engine, weights as InlineParams, d, scale);
    else branches.push(d);
  }
  return buildFluxGraph(model, weights, { taps, adapters: fluxAdapterBranches(branches, new Set(taps)) });
}

export class FluxTransformer {
  private scales: number[];

  private constructor(
    readonly params: FluxParams,
    private readonly session: RunnableSession,
    readonly taps: readonly string[],
    /** Every adapter, in load order. */
    readonly adapters: readonly LoadedAdapter[],
    /** Index into lora_scales of each adapter, or -1 when it is merged. */
    private readonly scaleSlots: readonly number[],
    /** Bytes of the adapters' graph branches (float tensors beside the base weights). */
    readonly branchBytes: number,
  ) {
    this.scales = adapters.map((a) => a.scale);
  }

  static async load(engine: Engine, source: TensorSource, options: LoadFluxOptions): Promise<FluxTransformer> {
    const recipe = await prepareFlux(source, options);
    const taps = options.taps ?? [];
    const graph = await buildFlux(engine, source, recipe, taps);
    const session = await engine.load(graph, options.settings);
    const outputs = graph.outputs.map((o) => o.name).filter((n) => n !== "out");
    return new FluxTransformer(options.params, session, outputs, recipe.loaded, recipe.slots, recipe.branchBytes);
  }

  /**
   * The transformer with its session created on demand by `lazy` (a SessionPool entry), re-read
   * from `open` after every eviction. Adapters are read and every weight's shape is checked now,
   * so bad files fail here; no weight is read until the first run.
   */
  static async open(engine: Engine, open: SourceOpener, options: OpenFluxOptions, lazy: LazySession): Promise<FluxTransformer> {
    const recipe = await withOpened(open, (source) => prepareFlux(source, options));
    const session = lazy(() => withOpened(open, async (source) => engine.load(await buildFlux(engine, source, recipe, []), options.settings)));
    return new FluxTransformer(options.params, session, [], recipe.loaded, recipe.slots, recipe.branchBytes);
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
      throw new InvalidArgumentError(`${scales.length} LoRA scales given, but ${this.adapters.length} adapters are loaded (${this.adapters.map((a) => a.name).join(", ") || "none"})`);
    }
    return scales.map((s, i) => {
      const a = this.adapters[i] as LoadedAdapter;
      checkScale(a.name, s);
      if (a.merged && s !== a.scale) {
        throw new LoraMergeError(`adapter ${a.name} is merged into the weights at scale ${a.scale}; load it with merge: false to change its scale per call`);
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
