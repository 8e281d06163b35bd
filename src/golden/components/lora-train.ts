/**
 * Golden component "lora-train" (README §10): K training steps of an adapter on the frozen T1
 * transformer, exactly as ICEdit's step: x_t and the loss from row s of `t` and `noise`, the
 * gradients of every adapter tensor from the training graph, the total norm before clipping,
 * clipping by total norm, one AdamW / Prodigy step with the case's settings. Compared: the step-1
 * prediction and raw gradients, loss and grad_norm of every step, the adapter's change after K
 * steps, and Prodigy's d after each step.
 */
import { Flux } from "../../models/flux/model.js";
import { tensor, type Tensor } from "../../tensor.js";
import { trainableAdapterFromFile } from "../../train/adapter/from-file.js";
import { TrainableAdapter } from "../../train/adapter/trainable-adapter.js";
import { clipGradNorm, createOptimizer } from "../../train/optim/index.js";
import { TrainingStep } from "../../train/step/training-step.js";
import type { TrainingInputs } from "../../train/step/host-inputs.js";
import { LoraTargets } from "../../weights/lora/targets.js";
import type { TensorSource } from "../../weights/source.js";
import { compareExpected, detailOf, numberParam, withCaseFiles, withWeights } from "../case-io.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { fluxParamsOf } from "./flux-transformer.js";
import { topKOf } from "./lora.js";

/** The case's optimizer_params as createOptimizer settings: "sqrt(beta2)" (beta3) and "inf" (growth_rate) are the defaults they name. */
function optimizerSettings(json: unknown): Record<string, unknown> {
  if (typeof json !== "object" || json === null) return {};
  const out: Record<string, unknown> = { ...(json as Record<string, unknown>) };
  if (out["beta3"] === "sqrt(beta2)") out["beta3"] = null;
  if (out["growth_rate"] === "inf") out["growth_rate"] = Infinity;
  return out;
}

function optionalNumber(c: GoldenCase, name: string): number | undefined {
  const v = c.params[name];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * The adapter with the plain-LoRA scaling the reference trained with (params.plain_scaling) where
 * the case gives one: the file's alpha keys say the same when it has them.
 */
function withCaseScalings(c: GoldenCase, adapter: TrainableAdapter): TrainableAdapter {
  const plain = optionalNumber(c, "plain_scaling");
  if (plain === undefined) return adapter;
  const modules = adapter.modules.map((m) => (m.kind === "plain" ? { ...m, scaling: plain } : m));
  return new TrainableAdapter(modules, adapter.initial, adapter.constants);
}

/** Row `s` of a [K, ...] tensor, as a tensor of the remaining dims. */
function row(t: Tensor<"f32">, s: number): Tensor<"f32"> {
  const dims = t.dims.slice(1);
  const size = dims.reduce((a, b) => a * b, 1);
  return tensor("f32", dims, t.data.slice(s * size, (s + 1) * size));
}

function copyOf(t: Tensor<"f32">): Tensor<"f32"> {
  return tensor("f32", t.dims, t.data.slice());
}

interface TrainRecord {
  readonly actual: Record<string, Tensor>;
  readonly what: string;
}

async function train(
  c: GoldenCase,
  env: GoldenEnv,
  inputs: TensorSource,
  base: TensorSource,
  adapterFile: TensorSource,
): Promise<TrainRecord> {
  const params = fluxParamsOf(env.manifest, c);
  const targets = LoraTargets.fromParams(new Flux(params).parameters());
  const adapter = withCaseScalings(
    c,
    await trainableAdapterFromFile(adapterFile, targets, {
      topK: topKOf(c),
      expertScaling: optionalNumber(c, "expert_scaling"),
    }),
  );
  const t = await inputs.readF32("t");
  const noise = await inputs.readF32("noise");
  const rows = t.dims[0] as number;
  const steps = optionalNumber(c, "K_steps") ?? rows;
  // One row per step; a single row serves every step (the cases that reuse step 1's t and noise may store it once).
  if ((rows !== steps && rows !== 1) || noise.dims[0] !== rows) {
    throw new GoldenManifestError(`case ${c.name}: t has ${rows} rows and noise ${noise.dims[0]}, but K_steps is ${steps}`);
  }
  const rowOf = (s: number): number => (rows === 1 ? 0 : s);
  const fixed = {
    x0: await inputs.readF32("x0"),
    imgCond: await inputs.readF32("img_cond"),
    txt: await inputs.readF32("txt"),
    txtIds: await inputs.readF32("txt_ids"),
    imgIds: await inputs.readF32("img_ids"),
    y: await inputs.readF32("y"),
    guidance: inputs.has("guidance") ? await inputs.readF32("guidance") : undefined,
  };
  const maxNorm = numberParam(c, "grad_clip_max_norm");
  const kind = String(c.params["optimizer"]);
  const step = await TrainingStep.open(env.engine, { weights: base, params, adapter });
  try {
    const current = adapter.cloneInitial();
    const optimizer = createOptimizer(kind, current, optimizerSettings(c.params["optimizer_params"]));
    const loss = new Float32Array(steps);
    const gradNorm = new Float32Array(steps);
    const d = new Float32Array(steps);
    const actual: Record<string, Tensor> = {};
    for (let s = 0; s < steps; s++) {
      const call: TrainingInputs = { ...fixed, t: row(t, rowOf(s)), noise: row(noise, rowOf(s)) };
      const result = await step.run(call, current);
      loss[s] = result.loss;
      if (s === 0) {
        actual["pred.s1"] = result.pred;
        for (const [key, g] of result.grads) actual[`grad.${key}`] = copyOf(g);
      }
      gradNorm[s] = clipGradNorm(result.grads, maxNorm);
      optimizer.step(result.grads);
      if (optimizer.kind === "prodigy") d[s] = optimizer.d;
    }
    for (const key of adapter.keys) {
      const start = adapter.initial.get(key) as Tensor<"f32">;
      const now = current.get(key) as Tensor<"f32">;
      actual[`delta.${key}`] = tensor(
        "f32",
        start.dims,
        now.data.map((v, i) => v - (start.data[i] as number)),
      );
    }
    actual["loss"] = tensor("f32", [steps], loss);
    actual["grad_norm"] = tensor("f32", [steps], gradNorm);
    if (optimizer.kind === "prodigy") actual["d"] = tensor("f32", [steps], d);
    const moe = adapter.modules.find((m) => m.kind === "moe");
    const experts = moe && moe.kind === "moe" ? `, ${moe.experts.length} experts top-${moe.topK}` : "";
    return { actual, what: `${kind}, ${steps} steps, ${adapter.keys.length} adapter tensors${experts}` };
  } finally {
    await step.release();
  }
}

export const loraTrainRunner: ComponentRunner = {
  component: "lora-train",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const [baseId, adapterId] = c.weights;
    if (baseId === undefined || adapterId === undefined) {
      throw new GoldenManifestError(`case ${c.name}: weights must be [base transformer, initial adapter]`);
    }
    return withCaseFiles(env, c, (inputs, expected) =>
      withWeights(env.manifest, baseId, (base) =>
        withWeights(env.manifest, adapterId, async (adapterFile) => {
          const { actual, what } = await train(c, env, inputs, base, adapterFile);
          const { comparisons, missing } = await compareExpected(c, expected, actual);
          for (const name of missing)
            comparisons.push({ name, ok: false, maxAbsErr: Infinity, failures: 0, count: 0, problem: "not produced" });
          return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}`, what], missing));
        }),
      ),
    );
  },
};
