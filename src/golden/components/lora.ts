/**
 * Golden components "lora-peft" and "moe-lora": the transformer with an adapter file on top of the
 * base weights (weights = [base, adapter]), at the case's run-time scale and top-k, compared on
 * `out`, on `out_base` (the same call without the adapter) and on the MoE routing weights
 * (`route.<module>`). A plain LoRA is also run merged into the weights ("out@merged").
 */
import { FluxTransformer, type AdapterOptions } from "../../components/flux/transformer.js";
import type { Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import type { TensorSource } from "../../weights/source.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase, type GoldenManifest } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { fluxParamsOf, readFluxCall } from "./flux-transformer.js";

async function openWeights(manifest: GoldenManifest, c: GoldenCase, id: string | undefined): Promise<TensorSource> {
  const entry = id === undefined ? undefined : manifest.weights[id];
  if (!entry)
    throw new GoldenManifestError(
      `case ${c.name}: weights ${id ?? "(none)"} are not in the manifest (weights must be [base transformer, adapter])`,
    );
  return openSafetensors(manifest.path(entry.file));
}

function numberOf(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** top_k from the case params; undefined: the reader's default (the adapter's golden_moe metadata, else 1). */
export function topKOf(c: GoldenCase): number | undefined {
  return numberOf(c.params["top_k"]);
}

async function runAdapterCase(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
  const params = fluxParamsOf(env.manifest, c);
  if (!c.inputs) throw new GoldenManifestError(`case ${c.name} has no inputs file`);
  const inputs = await openSafetensors(env.manifest.path(c.inputs));
  const expected = await openSafetensors(env.manifest.path(c.expected));
  const base = await openWeights(env.manifest, c, c.weights[0]);
  const adapterFile = await openWeights(env.manifest, c, c.weights[1]);
  try {
    const call = await readFluxCall(inputs);
    const scale = numberOf(c.params["runtime_scale"]) ?? 1;
    const topK = topKOf(c);
    const taps = expected.names().filter((n) => n !== "out" && n !== "out_base");
    const adapter: AdapterOptions = { source: adapterFile, scale, topK };

    const run = async (
      adapters: readonly AdapterOptions[],
    ): Promise<{ out: Tensor<"f32">; taps: Readonly<Record<string, Tensor>>; model: FluxTransformer }> => {
      const model = await FluxTransformer.open(env.engine, { weights: base, params, taps: adapters.length > 0 ? taps : [], adapters });
      try {
        const result = await model.forward(call);
        return { out: result.out, taps: result.taps, model };
      } finally {
        await model.release();
      }
    };
    const withAdapter = await run([adapter]);
    const actual: Record<string, Tensor> = { ...withAdapter.taps, out: withAdapter.out, out_base: (await run([])).out };
    const info = withAdapter.model.adapters[0];
    if (info && info.kind === "lora" && expected.has("out")) actual["out@merged"] = (await run([{ ...adapter, merge: true }])).out;

    const comparisons: TensorComparison[] = [];
    for (const [name, a] of Object.entries(actual)) {
      const key = name.split("@")[0] as string;
      if (!expected.has(key)) continue;
      comparisons.push(compareTensor(name, a, await expected.read(key), ruleFor(c.tolerance, key)));
    }
    const missing = expected.names().filter((n) => !(n in actual));
    for (const name of missing)
      comparisons.push({ name, ok: false, maxAbsErr: Infinity, failures: 0, count: 0, problem: "not produced by the model" });
    const what = info
      ? `${info.format}, ${info.matchedModules} modules, scale ${scale}${info.topK !== null ? `, ${info.experts} experts top-${info.topK}` : ""}`
      : "";
    return summarize(c.name, comparisons, `weights ${c.weights.join(",")}; ${what}`);
  } finally {
    await inputs.close();
    await expected.close();
    await base.close();
    await adapterFile.close();
  }
}

export const loraPeftRunner: ComponentRunner = { component: "lora-peft", run: runAdapterCase };
export const moeLoraRunner: ComponentRunner = { component: "moe-lora", run: runAdapterCase };
