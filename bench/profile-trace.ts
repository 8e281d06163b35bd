/**
 * ONNX Runtime's profiling trace (the JSON it writes for a session created with a profile prefix),
 * read back and summed: the kernel time of every node of one run, by op type, by the module a node
 * belongs to (its weights' path with the block index replaced by `*`), and by block.
 */
import { readFile } from "node:fs/promises";
import type { Graph } from "../src/onnx/graph.js";

interface TraceEvent {
  readonly cat: string;
  readonly name: string;
  readonly ts: number;
  readonly dur: number;
  readonly args?: { readonly op_name?: string };
}

export interface NodeTime {
  readonly node: string;
  readonly op: string;
  readonly ms: number;
}

export interface RunTimes {
  /** The run's wall time inside ONNX Runtime, ms. */
  readonly runMs: number;
  readonly nodes: NodeTime[];
}

/** The nodes' kernel times of every run recorded in a trace, in run order. */
export async function runNodeTimes(path: string): Promise<RunTimes[]> {
  const events = JSON.parse(await readFile(path, "utf8")) as TraceEvent[];
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run");
  if (runs.length === 0) throw new Error(`profile ${path} has no model_run event: the session was never run`);
  const kernels = events.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"));
  return runs.map((run) => ({
    runMs: run.dur / 1000,
    nodes: kernels
      .filter((e) => e.ts >= run.ts && e.ts <= run.ts + run.dur)
      .map((e) => ({ node: e.name.slice(0, -"_kernel_time".length), op: e.args?.op_name ?? "?", ms: e.dur / 1000 })),
  }));
}

/** The nodes' kernel times of the LAST run recorded in a trace (earlier runs are warm-ups). */
export async function lastRunNodeTimes(path: string): Promise<RunTimes> {
  const runs = await runNodeTimes(path);
  return runs[runs.length - 1] as RunTimes;
}

export interface NodePlace {
  /** e.g. "single_blocks.*.linear1", or "(inputs)" before the first weight. */
  readonly module: string;
  /** e.g. "single_blocks.3", "double_blocks.0", or "other". */
  readonly block: string;
}

const PARAM_SUFFIX = /\.(weight|bias|scale)(\.[a-z0-9]+)?$/;

/**
 * Where each node of a graph belongs: the module of the last weight read by it or by a node before
 * it (graphs are built module by module, so the activations' ops follow their module's weights).
 * ONNX Runtime keeps node names through its CPU fusions, and names the nodes it adds itself
 * differently: those are reported under "(fused)".
 */
export function nodePlaces(graph: Graph): Map<string, NodePlace> {
  const places = new Map<string, NodePlace>();
  let current: NodePlace = { module: "(inputs)", block: "other" };
  for (const node of graph.nodes) {
    const weight = node.inputs.find((v) => v !== null && graph.initializers.has(v.name) && PARAM_SUFFIX.test(v.name));
    if (weight) {
      const module = weight.name.replace(PARAM_SUFFIX, "");
      const block = /^(double_blocks|single_blocks)\.(\d+)/.exec(module);
      current = { module: module.replace(/^(double_blocks|single_blocks)\.\d+/, "$1.*"), block: block ? block[0] : "other" };
    }
    places.set(node.name, current);
  }
  return places;
}

export interface Row {
  readonly key: string;
  readonly ms: number;
  readonly count: number;
  readonly share: number;
}

/** Sums node times by a key, largest first. */
export function sumBy(nodes: readonly NodeTime[], key: (n: NodeTime) => string): Row[] {
  const total = nodes.reduce((t, n) => t + n.ms, 0);
  const sums = new Map<string, { ms: number; count: number }>();
  for (const n of nodes) {
    const k = key(n);
    const s = sums.get(k) ?? { ms: 0, count: 0 };
    s.ms += n.ms;
    s.count += 1;
    sums.set(k, s);
  }
  return [...sums.entries()]
    .map(([k, s]) => ({ key: k, ms: Math.round(s.ms * 10) / 10, count: s.count, share: Math.round((s.ms / total) * 1000) / 1000 }))
    .sort((a, b) => b.ms - a.ms);
}
