/**
 * The optimizer layer against the golden `lora-train` cases (README §10). Both cases take K > 1 steps,
 * and the gradients of steps 2..K need the autodiff, so the deltas of trained tensors cannot be
 * checked here. What the golden pins down without it: the step-1 total norm and clip decision, the
 * router tensors (zero gradient with top_k = 1, so their delta is decoupled weight decay alone:
 * AdamW's lr·wd, Prodigy's d·lr·bias-correction with the golden d of each step), and that every
 * adapter key takes a step.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { Tensor } from "../../../src/tensor.js";
import { AdamW } from "../../../src/train/optim/adamw.js";
import { clipGradNorm, totalGradNorm } from "../../../src/train/optim/clip.js";
import { createOptimizer } from "../../../src/train/optim/create.js";
import { Prodigy, type ProdigyOptions } from "../../../src/train/optim/prodigy.js";
import { readAllF32 } from "../../../src/weights/source.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";
import { cloneParams } from "./helpers.js";

interface TrainCase {
  name: string;
  component: string;
  weights: string[];
  expected: string;
  params: {
    K_steps: number;
    grad_clip_max_norm: number;
    optimizer: string;
    optimizer_params: Record<string, unknown>;
    clipped_per_step: boolean[];
  };
  tolerance: { per_tensor: Record<string, { atol: number; rtol: number }> };
}

const manifestPath = goldenFile("manifest.json");
const manifest = goldenSkip
  ? { cases: [] as TrainCase[], weights: {} as Record<string, { file: string }> }
  : (JSON.parse(readFileSync(manifestPath, "utf8")) as { cases: TrainCase[]; weights: Record<string, { file: string }> });
const cases = manifest.cases.filter((c) => c.component === "lora-train");

async function readAll(path: string): Promise<Map<string, Tensor<"f32">>> {
  const source = await openSafetensors(path);
  try {
    return await readAllF32(source);
  } finally {
    await source.close();
  }
}

function withPrefix(tensors: ReadonlyMap<string, Tensor<"f32">>, prefix: string): Map<string, Tensor<"f32">> {
  return new Map([...tensors].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
}

interface Loaded {
  adapter: Map<string, Tensor<"f32">>;
  grads: Map<string, Tensor<"f32">>;
  deltas: Map<string, Tensor<"f32">>;
  expected: Map<string, Tensor<"f32">>;
}

async function load(c: TrainCase): Promise<Loaded> {
  const adapter = await readAll(goldenFile(manifest.weights[c.weights[1]!]!.file));
  const expected = await readAll(goldenFile(c.expected));
  return { adapter, grads: withPrefix(expected, "grad."), deltas: withPrefix(expected, "delta."), expected };
}

/** Router tensors only, zero gradients, as top_k = 1 gives them. */
const routeOnly = (adapter: ReadonlyMap<string, Tensor<"f32">>): Map<string, Tensor<"f32">> =>
  cloneParams(new Map([...adapter].filter(([name]) => name.includes("lora_route"))));

const zerosLike = (params: ReadonlyMap<string, Tensor<"f32">>): Map<string, Tensor<"f32">> =>
  new Map([...params].map(([name, t]) => [name, { dtype: "f32", dims: [...t.dims], data: new Float32Array(t.data.length) }]));

/** Largest |actual - golden| over the router tensors, in units of the golden delta's largest magnitude. */
type Named = ReadonlyMap<string, Tensor<"f32">>;

function routeError(params: Named, adapter: Named, deltas: Named): number {
  let worst = 0;
  let scale = 0;
  for (const [name, p] of params) {
    const p0 = adapter.get(name)!.data;
    const golden = deltas.get(name)!.data;
    for (let i = 0; i < p.data.length; i++) {
      worst = Math.max(worst, Math.abs(p.data[i]! - p0[i]! - golden[i]!));
      scale = Math.max(scale, Math.abs(golden[i]!));
    }
  }
  return worst / scale;
}

/** Prodigy on the router tensors with the golden d before each step (a probe tensor keeps the step from stopping early). */
function prodigyRoute(c: TrainCase, data: Loaded, options: Partial<ProdigyOptions>): Map<string, Tensor<"f32">> {
  const params = routeOnly(data.adapter);
  params.set("probe", { dtype: "f32", dims: [1], data: new Float32Array([0]) });
  const grads = zerosLike(params);
  grads.get("probe")!.data[0] = 1;
  const d = data.expected.get("d")!.data;
  let opt = new Prodigy(params, options);
  for (let k = 0; k < c.params.K_steps; k++) {
    if (k > 0) opt = Prodigy.fromState(params, { ...opt.state(), d: d[k - 1]! });
    opt.step(grads);
  }
  params.delete("probe");
  return params;
}

function prodigyOptions(c: TrainCase): Partial<ProdigyOptions> {
  const o = c.params.optimizer_params;
  assert.equal(o.beta3, "sqrt(beta2)");
  assert.equal(o.growth_rate, "inf");
  return { ...(createOptimizer("prodigy", new Map(), { ...o, beta3: null, growth_rate: Infinity }) as Prodigy).options };
}

describe("optimizers against the golden lora-train cases", { skip: goldenSkip }, () => {
  test("the manifest has an AdamW and a Prodigy case, both with K > 1 (deltas of trained tensors need the autodiff)", () => {
    assert.deepEqual(cases.map((c) => c.params.optimizer).sort(), ["adamw", "prodigy"]);
    for (const c of cases) assert.ok(c.params.K_steps > 1);
  });

  for (const c of cases) {
    test(`${c.name}: step-1 total norm, clip decision, zero router gradients, one step over every adapter key`, async () => {
      const data = await load(c);
      const gradNorm = data.expected.get("grad_norm")!.data;
      const total = totalGradNorm(data.grads);
      const tol = c.tolerance.per_tensor.grad_norm!;
      assert.ok(Math.abs(total - gradNorm[0]!) <= tol.rtol * gradNorm[0]!, `total ${total} vs grad_norm[0] ${gradNorm[0]}`);
      for (let k = 0; k < c.params.K_steps; k++) assert.equal(gradNorm[k]! > c.params.grad_clip_max_norm, c.params.clipped_per_step[k]);
      for (const [name, g] of data.grads)
        if (name.includes("lora_route"))
          assert.ok(
            g.data.every((v) => v === 0),
            `${name} has a nonzero gradient`,
          );

      const params = cloneParams(data.adapter);
      const options =
        c.params.optimizer === "prodigy" ? { ...c.params.optimizer_params, beta3: null, growth_rate: Infinity } : c.params.optimizer_params;
      const opt = createOptimizer(c.params.optimizer, params, options);
      const clipped = cloneParams(data.grads);
      assert.equal(clipGradNorm(clipped, c.params.grad_clip_max_norm), total);
      opt.step(clipped);
      for (const [name, p] of params) assert.ok(p.data.every(Number.isFinite), `${name} not finite after one step`);
    });
  }

  const without = (optimizer: string): string | false =>
    goldenSkip || (cases.some((c) => c.params.optimizer === optimizer) ? false : `no ${optimizer} case`);

  test("AdamW: router deltas are decoupled weight decay alone, (1 - lr·wd)^K - 1", { skip: without("adamw") }, async () => {
    const c = cases.find((x) => x.params.optimizer === "adamw")!;
    const data = await load(c);
    const o = c.params.optimizer_params as { lr: number; betas: [number, number]; eps: number; weight_decay: number };
    const run = (weightDecay: number): number => {
      const params = routeOnly(data.adapter);
      const opt = new AdamW(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay });
      for (let k = 0; k < c.params.K_steps; k++) opt.step(zerosLike(params));
      return routeError(params, data.adapter, data.deltas);
    };
    const err = run(o.weight_decay);
    assert.equal(err, 0, `router deltas off by ${err} of the largest (they match bit for bit)`);
    assert.ok(run(0) > 0.5, "without weight decay the check must fail");
  });

  test("Prodigy: router deltas are weight decay with step d·lr·bias correction (golden d); d = d0 after step 1", {
    skip: without("prodigy"),
  }, async () => {
    const c = cases.find((x) => x.params.optimizer === "prodigy")!;
    const data = await load(c);
    const options = prodigyOptions(c);
    assert.equal(data.expected.get("d")!.data[0], Math.fround(options.d0!));
    const err = routeError(prodigyRoute(c, data, options), data.adapter, data.deltas);
    assert.equal(err, 0, `router deltas off by ${err} of the largest (they match bit for bit)`);
    const uncorrected = prodigyRoute(c, data, { ...options, useBiasCorrection: false });
    assert.ok(routeError(uncorrected, data.adapter, data.deltas) > 0.5, "without bias correction the check must fail");
  });
});
