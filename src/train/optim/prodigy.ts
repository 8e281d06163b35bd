/**
 * Prodigy (Mishchenko & Defazio), with the semantics of `prodigyopt.Prodigy` at konstmish/prodigy
 * 3efb213, one parameter group, no FSDP. Adam whose step size d·lr is learnt: d grows while
 * the gradients keep pointing away from the start p0. Per step, with d and dlr = d·lr·bc
 * (bc = sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)) with bias correction, else 1) taken before the update:
 *   num = b3·num + Σ (d/d0)·dlr·<g, p0 - p>;  m = b1 m + d(1-b1) g;  v = b2 v + d²(1-b2) g²;
 *   s = b3 s + (d/d0)·(safeguard warm-up ? d : dlr)·g;  d̂ = d_coef·num / Σ|s|;
 *   d = max(d, d̂) while d == d0;  d_max = max(d_max, d̂);  d = min(d_max, d·growth_rate);
 *   p -= dlr·wd·p (decoupled);  p -= dlr · m / (sqrt(v) + d·eps)  (new d in the denominator).
 * With Σ|s| = 0 (all gradients zero) the step stops after the moment updates, as the original does.
 * Tensors are stored in float32 as torch stores them; elements and sums are computed in float64.
 */
import { checkBetas, checkFlag, checkSetting } from "./hyper.js";
import { checkBuffer, checkKind, checkScalar, checkStateNames } from "./state-check.js";
import { checkGradients, type Grads, type Params } from "./tensors.js";

export interface ProdigyOptions {
  readonly lr: number;
  readonly betas: readonly [number, number];
  /** null: sqrt(beta2). */
  readonly beta3: number | null;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW-style weight decay (true) or an L2 term added to the gradient (false). */
  readonly decouple: boolean;
  readonly useBiasCorrection: boolean;
  readonly safeguardWarmup: boolean;
  readonly d0: number;
  readonly dCoef: number;
  /** Infinity: unbounded. */
  readonly growthRate: number;
  /** Statistics on every slice_p-th element only (1: all). */
  readonly sliceP: number;
}

/** prodigyopt.Prodigy's defaults at 3efb213 (ICEdit's config turns on bias correction and safeguard warm-up). */
export const PRODIGY_DEFAULTS: ProdigyOptions = {
  lr: 1.0,
  betas: [0.9, 0.999],
  beta3: null,
  eps: 1e-8,
  weightDecay: 0,
  decouple: true,
  useBiasCorrection: false,
  safeguardWarmup: false,
  d0: 1e-6,
  dCoef: 1.0,
  growthRate: Infinity,
  sliceP: 1,
};

export interface ProdigyTensorState {
  step: number;
  /** Sliced (every sliceP-th element), like p0. */
  s: Float32Array;
  p0: Float32Array;
  /** null when beta1 = 0. */
  expAvg: Float32Array | null;
  expAvgSq: Float32Array;
}

/** Plain data: the group's scalars and per-tensor buffers. */
export interface ProdigyState {
  readonly kind: "prodigy";
  readonly options: ProdigyOptions;
  readonly d: number;
  readonly dMax: number;
  readonly dNumerator: number;
  /** Completed steps (the group's k). */
  readonly k: number;
  readonly tensors: Record<string, ProdigyTensorState>;
}

function checkProdigyOptions(o: ProdigyOptions): void {
  checkSetting("Prodigy", "lr", o.lr, "> 0");
  checkBetas("Prodigy", o.betas);
  if (o.beta3 !== null) checkSetting("Prodigy", "beta3", o.beta3, "in [0, 1)");
  checkSetting("Prodigy", "eps", o.eps, "> 0");
  checkSetting("Prodigy", "weight_decay", o.weightDecay, ">= 0");
  checkFlag("Prodigy", "decouple", o.decouple);
  checkFlag("Prodigy", "use_bias_correction", o.useBiasCorrection);
  checkFlag("Prodigy", "safeguard_warmup", o.safeguardWarmup);
  checkSetting("Prodigy", "d0", o.d0, "> 0");
  checkSetting("Prodigy", "d_coef", o.dCoef, "> 0");
  checkSetting("Prodigy", "growth_rate", o.growthRate, ">= 1", true);
  checkSetting("Prodigy", "slice_p", o.sliceP, "integer >= 1");
}

/** The step size d·lr·bc that step k+1 (k steps done) applies with the current d (lr times a schedule's lrScale). */
export function prodigyStepSize(o: ProdigyOptions, d: number, k: number, lrScale = 1): number {
  const [b1, b2] = o.betas;
  const bc = o.useBiasCorrection ? Math.sqrt(1 - b2 ** (k + 1)) / (1 - b1 ** (k + 1)) : 1;
  return d * (o.lr * lrScale) * bc;
}

const copyTensor = (s: ProdigyTensorState): ProdigyTensorState => ({
  step: s.step,
  s: s.s.slice(),
  p0: s.p0.slice(),
  expAvg: s.expAvg?.slice() ?? null,
  expAvgSq: s.expAvgSq.slice(),
});

function sliced(data: Float32Array, sliceP: number): Float32Array {
  const out = new Float32Array(Math.ceil(data.length / sliceP));
  for (let j = 0; j < out.length; j++) out[j] = data[j * sliceP]!;
  return out;
}

export class Prodigy {
  readonly kind = "prodigy";
  readonly options: ProdigyOptions;
  private readonly tensors = new Map<string, ProdigyTensorState>();
  private dValue: number;
  private dMax: number;
  private dNumerator = 0;
  private kValue = 0;

  constructor(
    readonly params: Params,
    options: Partial<ProdigyOptions> = {},
  ) {
    this.options = { ...PRODIGY_DEFAULTS, ...options };
    checkProdigyOptions(this.options);
    this.dValue = this.options.d0;
    this.dMax = this.options.d0;
  }

  /** The current d estimate (torch's param_groups[0]['d']). */
  get d(): number {
    return this.dValue;
  }

  /** Completed steps. */
  get k(): number {
    return this.kValue;
  }

  /**
   * One update of every parameter, in place, from same-named gradients. `lrScale` multiplies the
   * lr for this step only (a schedule's, as torch's LR schedulers set the group's lr; d's estimate
   * sees the scaled step size, as in the reference).
   */
  step(grads: Grads, lrScale = 1): void {
    checkGradients(this.params, grads);
    const o = this.options;
    const [b1, b2] = o.betas;
    const b3 = o.beta3 ?? Math.sqrt(b2);
    const d = this.dValue;
    const dlr = prodigyStepSize(o, d, this.kValue, lrScale);
    // Coupled weight decay adds wd·p to the gradient (torch does it in place on p.grad; here on the fly).
    const l2 = o.decouple ? 0 : o.weightDecay;
    const sScale = (d / o.d0) * (o.safeguardWarmup ? d : dlr);
    let deltaNumerator = 0;
    let dDenom = 0;
    for (const [name, param] of this.params) {
      const p = param.data;
      const g = grads.get(name)!.data;
      const st = this.tensorState(name, p, b1);
      const { expAvg: m, expAvgSq: v, s, p0 } = st;
      let dot = 0;
      for (let j = 0, i = 0; j < s.length; j++, i += o.sliceP) {
        const gi = l2 === 0 ? g[i]! : g[i]! + l2 * p[i]!;
        dot += gi * (p0[j]! - p[i]!);
        s[j] = s[j]! * b3 + sScale * gi;
        dDenom += Math.abs(s[j]!);
      }
      deltaNumerator += (d / o.d0) * dlr * dot;
      for (let i = 0; i < p.length; i++) {
        const gi = l2 === 0 ? g[i]! : g[i]! + l2 * p[i]!;
        if (m) m[i] = m[i]! * b1 + d * (1 - b1) * gi;
        v[i] = v[i]! * b2 + d * d * (1 - b2) * gi * gi;
      }
    }
    if (dDenom === 0) return;
    const numerator = this.dNumerator * b3 + deltaNumerator;
    const dHat = (o.dCoef * numerator) / dDenom;
    let dNew = d;
    if (d === o.d0) dNew = Math.max(d, dHat);
    this.dMax = Math.max(this.dMax, dHat);
    dNew = Math.min(this.dMax, dNew * o.growthRate);
    this.dNumerator = numerator;
    this.dValue = dNew;
    this.update(grads, l2, dlr, dNew);
    this.kValue += 1;
  }

  private tensorState(name: string, p: Float32Array, b1: number): ProdigyTensorState {
    let st = this.tensors.get(name);
    if (st === undefined) {
      const p0 = sliced(p, this.options.sliceP);
      st = {
        step: 0,
        s: new Float32Array(p0.length),
        p0,
        expAvg: b1 > 0 ? new Float32Array(p.length) : null,
        expAvgSq: new Float32Array(p.length),
      };
      this.tensors.set(name, st);
    }
    return st;
  }

  private update(grads: Grads, l2: number, dlr: number, d: number): void {
    const o = this.options;
    // torch's add_(p, alpha) rounds alpha to float32; the golden router deltas match bit for bit with it
    const decay = o.weightDecay !== 0 && o.decouple ? Math.fround(-o.weightDecay * dlr) : 0;
    for (const [name, param] of this.params) {
      const p = param.data;
      const st = this.tensors.get(name)!;
      const g = grads.get(name)!.data;
      st.step += 1;
      const { expAvg: m, expAvgSq: v } = st;
      for (let i = 0; i < p.length; i++) {
        const denom = Math.sqrt(v[i]!) + d * o.eps;
        if (m) {
          if (decay !== 0) p[i] = p[i]! + decay * p[i]!;
          p[i] = p[i]! - (dlr * m[i]!) / denom;
        } else {
          const gi = l2 === 0 ? g[i]! : g[i]! + l2 * p[i]!;
          if (decay !== 0) p[i] = p[i]! + decay * p[i]!;
          p[i] = p[i]! - (dlr * d * gi) / denom;
        }
      }
    }
  }

  /** A copy of the state; `Prodigy.fromState(params, state)` continues bit for bit. */
  state(): ProdigyState {
    const tensors: Record<string, ProdigyTensorState> = {};
    for (const [name, s] of this.tensors) tensors[name] = copyTensor(s);
    const options = { ...this.options, betas: [...this.options.betas] as [number, number] };
    return { kind: "prodigy", options, d: this.dValue, dMax: this.dMax, dNumerator: this.dNumerator, k: this.kValue, tensors };
  }

  /** Resumes from a saved state; the parameters must be the ones it was saved with (as loaded from the checkpoint). */
  static fromState(params: Params, state: ProdigyState): Prodigy {
    checkKind(state, "prodigy");
    const opt = new Prodigy(params, state.options);
    opt.dValue = checkScalar("Prodigy", "d", state.d);
    opt.dMax = checkScalar("Prodigy", "dMax", state.dMax);
    opt.dNumerator = checkScalar("Prodigy", "dNumerator", state.dNumerator);
    opt.kValue = checkScalar("Prodigy", "k", state.k);
    checkStateNames("Prodigy", params, state.tensors);
    const b1 = opt.options.betas[0];
    for (const [name, s] of Object.entries(state.tensors)) {
      const n = params.get(name)!.data.length;
      const ns = Math.ceil(n / opt.options.sliceP);
      opt.tensors.set(name, {
        step: checkScalar("Prodigy", `${name} step`, s.step),
        s: checkBuffer("Prodigy", name, "s", s.s, ns),
        p0: checkBuffer("Prodigy", name, "p0", s.p0, ns),
        expAvg: b1 > 0 ? checkBuffer("Prodigy", name, "expAvg", s.expAvg, n) : null,
        expAvgSq: checkBuffer("Prodigy", name, "expAvgSq", s.expAvgSq, n),
      });
    }
    return opt;
  }
}
