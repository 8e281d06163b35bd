/**
 * What a runnable model component is, described once: its module tree, the key layout it reads
 * its checkpoint in, the hints its load errors give, the parameters and graph of each of its parts
 * (the VAE has two, an encoder and a decoder; the others one), and whether it has a quantized form.
 * components/open-component.ts opens any of them from this description.
 */
import type { Graph } from "../onnx/graph.js";
import type { Module, ParamBinder, ParamSpec } from "../nn/module.js";
import type { LazySession } from "../runtime/runnable-session.js";
import type { SessionSettings } from "../runtime/protocol.js";
import type { ConvertedCache } from "../weights/converted/index.js";
import type { TensorSource } from "../weights/source.js";
import type { SourceOpener } from "../weights/source-opener.js";
import type { ParamHints } from "./params/load-params.js";
import type { Precision } from "./precision.js";

export interface ComponentSpec<Part extends string, View extends TensorSource = TensorSource> {
  /** Names the component in messages and in the converted-weights cache ("transformer", "t5", ...). */
  readonly component: string;
  readonly model: Module;
  /** The checkpoint as the module reads it (its key layout); may refuse a file that cannot be this component. */
  view(source: TensorSource): View;
  /** What a missing or misshapen tensor probably means, for this view of the file. */
  hints(view: View): ParamHints;
  /** The parameters `part` reads. */
  params(part: Part): readonly ParamSpec[];
  /** Linear layers kept in float when quantized; absent: the component has no quantized form (it loads as float32 only). */
  readonly quantized?: { readonly keep?: (linearPath: string) => boolean };
  /** The graph of `part` over the loaded weights (with the requested intermediate outputs). */
  build(weights: ParamBinder, part: Part, taps: readonly string[]): Graph | Promise<Graph>;
}

/** How a component is opened: the one options value every component's `open` takes (besides its sizes). */
export interface ComponentOptions<Lazy = LazySession> {
  /**
   * The weights: an open file (read now; the caller closes it), or a way to open it (opened for
   * the load and closed after; a lazily loaded component opens it again after every eviction).
   */
  readonly weights: TensorSource | SourceOpener;
  /** float32 (the default) or block-quantized linear weights; only the transformer and T5 have a quantized form. */
  readonly precision?: Precision;
  /** Where quantized weights are kept once converted (none: converted in memory at every load). */
  readonly cache?: ConvertedCache;
  readonly settings?: Partial<SessionSettings>;
  /** Intermediates to return besides the outputs (golden names); only for a component loaded now. */
  readonly taps?: readonly string[];
  /** Pooled: the session (of each part) is created on its first run by this pool entry, and re-created after an eviction. Default: loaded now. */
  readonly lazy?: Lazy;
}
