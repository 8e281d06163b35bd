/**
 * Opens any component from its spec: checks every tensor of the needed parts (presence and shape,
 * headers only) before reading any, then for each part reads the weights (float32, or quantized in
 * memory or through the converted-weights cache), builds the graph and creates its session, now
 * or, pooled, on the part's first run (again after an eviction).
 */
import { InvalidArgumentError } from "../errors.js";
import type { ParamBinder } from "../nn/module.js";
import type { Engine } from "../runtime/engine.js";
import type { LazySession, RunnableSession } from "../runtime/runnable-session.js";
import type { TensorSource } from "../weights/source.js";
import { withOpened, type SourceOpener } from "../weights/source-opener.js";
import type { ComponentOptions, ComponentSpec } from "./component-spec.js";
import { checkParams, loadParams } from "./params/load-params.js";
import { loadQuantizedParams } from "./params/quantized-params.js";
import { isQuantizedPrecision } from "./precision.js";

export interface OpenedComponent<Part extends string> {
  readonly sessions: ReadonlyMap<Part, RunnableSession>;
}

/** The opener of `weights`; an open source is used as it is and left open (its owner closes it). */
function useWeights<T>(weights: TensorSource | SourceOpener, use: (source: TensorSource) => Promise<T>): Promise<T> {
  return typeof weights === "function" ? withOpened(weights, use) : use(weights);
}

function checkPrecision<Part extends string, View extends TensorSource>(
  spec: ComponentSpec<Part, View>,
  options: ComponentOptions<unknown>,
): void {
  if (isQuantizedPrecision(options.precision) && !spec.quantized) {
    throw new InvalidArgumentError(
      `the ${spec.component} has no quantized form: open it with precision f32 (only the transformer and T5 are quantized)`,
    );
  }
}

/** Presence and shape of every parameter of `parts`, without reading any. */
function checkParts<Part extends string, View extends TensorSource>(
  spec: ComponentSpec<Part, View>,
  source: TensorSource,
  parts: readonly Part[],
): void {
  const view = spec.view(source);
  checkParams(
    parts.flatMap((p) => spec.params(p)),
    view,
    spec.hints(view),
  );
}

/** The weights of `part` in their load form. */
async function loadPart<Part extends string, View extends TensorSource>(
  spec: ComponentSpec<Part, View>,
  source: TensorSource,
  part: Part,
  options: ComponentOptions<unknown>,
): Promise<ParamBinder> {
  const view = spec.view(source);
  const hints = spec.hints(view);
  const precision = options.precision;
  if (!isQuantizedPrecision(precision)) return loadParams(spec.params(part), view, hints);
  const quant = {
    precision,
    keep: spec.quantized?.keep,
    component: spec.component,
    cache: options.cache,
  };
  return loadQuantizedParams(spec.model, view, quant, hints, spec.params(part));
}

async function loadSession<Part extends string, View extends TensorSource>(
  engine: Engine,
  spec: ComponentSpec<Part, View>,
  source: TensorSource,
  part: Part,
  options: ComponentOptions<unknown>,
): Promise<RunnableSession> {
  const graph = await spec.build(await loadPart(spec, source, part, options), part, options.taps ?? []);
  return engine.load(graph, options.settings ?? {});
}

/**
 * Opens `parts` of the component: pooled when `lazyOf` gives a part its pool entry (then the
 * weights must be an opener, to be read again after an eviction), else loaded now.
 */
export async function openComponent<Part extends string, View extends TensorSource>(
  engine: Engine,
  spec: ComponentSpec<Part, View>,
  parts: readonly Part[],
  options: ComponentOptions<unknown>,
  lazyOf?: (part: Part) => LazySession,
): Promise<OpenedComponent<Part>> {
  checkPrecision(spec, options);
  if (parts.length === 0) throw new InvalidArgumentError(`the ${spec.component}: no part to open`);
  const { weights } = options;
  if (lazyOf) {
    if (typeof weights !== "function") {
      const what = `a pooled ${spec.component} reads its weights again after an eviction`;
      throw new InvalidArgumentError(`${what}: give a function that opens them, not an open source`);
    }
    if ((options.taps ?? []).length > 0) throw new InvalidArgumentError(`taps are for a ${spec.component} loaded now, not a pooled one`);
    await withOpened(weights, async (source) => checkParts(spec, source, parts));
    const sessions = new Map<Part, RunnableSession>();
    for (const part of parts) {
      const load = (): Promise<RunnableSession> => withOpened(weights, (source) => loadSession(engine, spec, source, part, options));
      sessions.set(part, lazyOf(part)(load));
    }
    return { sessions };
  }
  return useWeights(weights, async (source) => {
    checkParts(spec, source, parts);
    const sessions = new Map<Part, RunnableSession>();
    try {
      for (const part of parts) sessions.set(part, await loadSession(engine, spec, source, part, options));
    } catch (error) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      throw error;
    }
    return { sessions };
  });
}

/** Opens a component of one part (a text encoder, the transformer): its session. */
export async function openOnePart<Part extends string, View extends TensorSource>(
  engine: Engine,
  spec: ComponentSpec<Part, View>,
  part: Part,
  options: ComponentOptions,
): Promise<RunnableSession> {
  const lazy = options.lazy;
  const opened = await openComponent(engine, spec, [part], options, lazy ? () => lazy : undefined);
  return opened.sessions.get(part) as RunnableSession;
}
