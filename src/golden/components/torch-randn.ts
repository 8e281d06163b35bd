/**
 * Golden component "torch-randn": torch.randn with a seeded CPU generator (docs/golden.md
 * §6). The expected tensors say what to draw:
 *
 * - `randn_<dtype>_<dims joined by x>`: one draw from a fresh generator;
 * - `seq_<dtype>_<dims>_draw<k>`: draws 0, 1, ... in turn from one generator (state advance).
 *
 * The seed is the inputs' `seed` tensor (else `params.seed`); each tensor's shape is the expected
 * tensor's own. Tolerance per dtype from the case (`{"f32": {atol, rtol}, "bf16": "exact"}`),
 * a per_tensor entry first; bf16 values are compared after the exact upcast.
 */
import { bf16ToF32 } from "../../numeric/float16.js";
import { TorchGenerator, type TorchRandnDType } from "../../sampling/torch-rng.js";
import { torchRandnDType } from "../../sampling/torch-rng-args.js";
import { tensor, type Tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import type { TensorSource } from "../../weights/source.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type CaseTolerance, type GoldenCase, type ToleranceRule } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";

const EXACT: ToleranceRule = { atol: 0, rtol: 0 };
const DEFAULT_RULES: Readonly<Record<TorchRandnDType, ToleranceRule>> = { f32: { atol: 1e-6, rtol: 0 }, bf16: EXACT };
const DTYPE_KEYS: Readonly<Record<TorchRandnDType, readonly string[]>> = { f32: ["f32", "float32"], bf16: ["bf16", "bfloat16"] };

/** One expected tensor: what to draw, and (for seq_) from which generator and at which turn. */
interface Draw {
  readonly name: string;
  readonly dtype: TorchRandnDType;
  readonly dimsInName: string;
  readonly sequence?: { readonly key: string; readonly index: number };
}

/** The draw a tensor name asks for, or why the name asks for none. */
function parseName(name: string): Draw | string {
  const fresh = /^randn_([a-z0-9]+)_([0-9x]*)$/.exec(name);
  const seq = /^seq_([a-z0-9]+)_([0-9x]*)_draw(\d+)$/.exec(name);
  const match = fresh ?? seq;
  if (!match) return "not a randn_<dtype>_<dims> or seq_<dtype>_<dims>_draw<k> tensor";
  let dtype: TorchRandnDType;
  try {
    dtype = torchRandnDType(match[1] as string);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const dimsInName = match[2] as string;
  if (!seq) return { name, dtype, dimsInName };
  return { name, dtype, dimsInName, sequence: { key: `${dtype}_${dimsInName}`, index: Number(seq[3]) } };
}

function toleranceFor(tolerance: CaseTolerance, name: string, dtype: TorchRandnDType): ToleranceRule {
  const perTensor = Object.keys(tolerance.per_tensor ?? {});
  if (perTensor.some((k) => k === name || (k.endsWith("*") && name.startsWith(k.slice(0, -1))))) return ruleFor(tolerance, name);
  for (const key of DTYPE_KEYS[dtype]) {
    const entry = tolerance[key];
    if (entry === "exact") return EXACT;
    if (typeof entry === "object" && entry !== null) {
      const { atol, rtol } = entry as { atol?: unknown; rtol?: unknown };
      if (typeof atol === "number" || typeof rtol === "number") {
        return { atol: typeof atol === "number" ? atol : 0, rtol: typeof rtol === "number" ? rtol : 0 };
      }
    }
  }
  return ruleFor(tolerance, name, DEFAULT_RULES[dtype]);
}

async function caseSeed(c: GoldenCase, inputs: TensorSource | undefined): Promise<bigint> {
  if (inputs?.has("seed")) {
    const t = await inputs.read("seed");
    const v = t.data[0];
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    throw new GoldenManifestError(`case ${c.name}: the inputs' seed tensor is ${t.dtype}, not an integer`);
  }
  const seed = c.params["seed"];
  if (typeof seed === "number" && Number.isSafeInteger(seed)) return BigInt(seed);
  throw new GoldenManifestError(`case ${c.name}: no seed (an integer "seed" input tensor or params.seed)`);
}

function asF32(t: Tensor<"f32"> | Tensor<"bf16">): Tensor<"f32"> {
  return t.dtype === "f32" ? (t as Tensor<"f32">) : tensor("f32", t.dims, bf16ToF32(t.data));
}

function problem(name: string, count: number, why: string): TensorComparison {
  return { name, ok: false, maxAbsErr: Infinity, failures: count, count, problem: why };
}

async function compareDraw(
  c: GoldenCase,
  expected: TensorSource,
  draw: Draw,
  actual: Tensor<"f32"> | Tensor<"bf16">,
): Promise<TensorComparison> {
  const entry = expected.entry(draw.name);
  const count = entry.dims.reduce((n, d) => n * d, 1);
  if (entry.dtype !== draw.dtype) return problem(draw.name, count, `stored as ${entry.dtype}, but the name says ${draw.dtype}`);
  if (draw.dimsInName !== "" && draw.dimsInName !== entry.dims.join("x")) {
    return problem(draw.name, count, `stored with shape [${entry.dims}], but the name says ${draw.dimsInName}`);
  }
  return compareTensor(draw.name, asF32(actual), await expected.readF32(draw.name), toleranceFor(c.tolerance, draw.name, draw.dtype));
}

export const torchRandnRunner: ComponentRunner = {
  component: "torch-randn",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const inputs = c.inputs ? await openSafetensors(env.manifest.path(c.inputs)) : undefined;
    const expected = await openSafetensors(env.manifest.path(c.expected));
    try {
      const seed = await caseSeed(c, inputs);
      const comparisons: TensorComparison[] = [];
      const draws: Draw[] = [];
      for (const name of expected.names()) {
        const draw = parseName(name);
        if (typeof draw === "string") comparisons.push(problem(name, 0, draw));
        else draws.push(draw);
      }
      // Sequences: one generator per key, drawn in order of k (earlier draws advance the state).
      const ordered = [...draws].sort((a, b) => (a.sequence?.index ?? 0) - (b.sequence?.index ?? 0));
      const generators = new Map<string, { g: TorchGenerator; drawn: number }>();
      for (const draw of ordered) {
        const dims = expected.entry(draw.name).dims;
        if (!draw.sequence) {
          comparisons.push(await compareDraw(c, expected, draw, new TorchGenerator(seed).randn(dims, draw.dtype)));
          continue;
        }
        const state = generators.get(draw.sequence.key) ?? { g: new TorchGenerator(seed), drawn: 0 };
        generators.set(draw.sequence.key, state);
        // Missing earlier draws (say only draw1 stored) are drawn and dropped.
        while (state.drawn < draw.sequence.index) {
          state.g.randn(dims, draw.dtype);
          state.drawn++;
        }
        comparisons.push(await compareDraw(c, expected, draw, state.g.randn(dims, draw.dtype)));
        state.drawn++;
      }
      return summarize(c.name, comparisons, `seed ${seed}`);
    } finally {
      await inputs?.close();
      await expected.close();
    }
  },
};
