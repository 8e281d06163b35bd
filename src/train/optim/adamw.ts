/**
 * AdamW with the semantics of `torch.optim.AdamW` (amsgrad off, maximize off):
 *   p *= 1 - lr*wd;  m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g²;
 *   p -= lr/(1 - b1^t) · m / (sqrt(v)/sqrt(1 - b2^t) + eps).
 * Parameters and moments are stored in float32 as torch stores them; each element is computed in
 * float64 and rounded once per torch in-place op.
 */
import { checkBetas, checkSetting } from "./hyper.js";
import { checkBuffer, checkKind, checkScalar, checkStateNames } from "./state-check.js";
import { checkGradients, type Grads, type Params } from "./tensors.js";

export interface AdamWOptions {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

/** torch.optim.AdamW's defaults. */
export const ADAMW_DEFAULTS: AdamWOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 };

export interface AdamWTensorState {
  /** Steps taken on this tensor (torch's state['step']). */
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

/** Plain data: structured-cloneable, and buffers plus scalars for a checkpoint. */
export interface AdamWState {
  readonly kind: "adamw";
  readonly options: AdamWOptions;
  readonly tensors: Record<string, AdamWTensorState>;
}

function checkAdamWOptions(o: AdamWOptions): void {
  checkSetting("AdamW", "lr", o.lr, ">= 0");
  checkBetas("AdamW", o.betas);
  checkSetting("AdamW", "eps", o.eps, ">= 0");
  checkSetting("AdamW", "weight_decay", o.weightDecay, ">= 0");
}

const copyState = (s: AdamWTensorState): AdamWTensorState => ({ step: s.step, expAvg: s.expAvg.slice(), expAvgSq: s.expAvgSq.slice() });

export class AdamW {
  readonly kind = "adamw";
  readonly options: AdamWOptions;
  private readonly tensors = new Map<string, AdamWTensorState>();

  constructor(
    readonly params: Params,
    options: Partial<AdamWOptions> = {},
  ) {
    this.options = { ...ADAMW_DEFAULTS, ...options };
    checkAdamWOptions(this.options);
  }

  /**
   * One update of every parameter, in place, from same-named gradients. `lrScale` multiplies the
   * lr for this step only (a schedule's, as torch's LR schedulers set the group's lr).
   */
  step(grads: Grads, lrScale = 1): void {
    checkGradients(this.params, grads);
    const lr = this.options.lr * lrScale;
    const {
      betas: [b1, b2],
      eps,
      weightDecay,
    } = this.options;
    // torch's mul_(scalar) rounds the scalar to float32: without it 1 in 6 golden router deltas is off by an ulp
    const decay = Math.fround(1 - lr * weightDecay);
    for (const [name, param] of this.params) {
      const g = grads.get(name)!.data;
      const p = param.data;
      const s = this.tensors.get(name) ?? { step: 0, expAvg: new Float32Array(p.length), expAvgSq: new Float32Array(p.length) };
      this.tensors.set(name, s);
      s.step += 1;
      const stepSize = lr / (1 - b1 ** s.step);
      const bc2Sqrt = Math.sqrt(1 - b2 ** s.step);
      const { expAvg: m, expAvgSq: v } = s;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        p[i] = p[i]! * decay;
        m[i] = m[i]! + (1 - b1) * (gi - m[i]!);
        v[i] = v[i]! * b2 + (1 - b2) * gi * gi;
        p[i] = p[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2Sqrt + eps);
      }
    }
  }

  /** A copy of the state; `AdamW.fromState(params, state)` continues bit for bit. */
  state(): AdamWState {
    const tensors: Record<string, AdamWTensorState> = {};
    for (const [name, s] of this.tensors) tensors[name] = copyState(s);
    return { kind: "adamw", options: { ...this.options, betas: [...this.options.betas] }, tensors };
  }

  /** Resumes from a saved state; the parameters must be the ones it was saved with (as loaded from the checkpoint). */
  static fromState(params: Params, state: AdamWState): AdamW {
    checkKind(state, "adamw");
    const opt = new AdamW(params, state.options);
    checkStateNames("AdamW", params, state.tensors);
    for (const [name, s] of Object.entries(state.tensors)) {
      const n = params.get(name)!.data.length;
      opt.tensors.set(name, {
        step: checkScalar("AdamW", `${name} step`, s.step),
        expAvg: checkBuffer("AdamW", name, "expAvg", s.expAvg, n),
        expAvgSq: checkBuffer("AdamW", name, "expAvgSq", s.expAvgSq, n),
      });
    }
    return opt;
  }
}
