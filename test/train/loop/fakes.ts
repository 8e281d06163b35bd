/**
 * Fakes of what the training loop is given: a small data set with deterministic tensors and a
 * closed-form training step. The loss is a quadratic in the adapter tensors whose centre depends
 * on everything in the batch (x0, imgCond, txt, y, t, noise), so its gradients are exact and any
 * change in data order, text dropout, t or noise changes the trained bytes.
 */
import { tensor, type Tensor } from "../../../src/tensor.js";
import type { AdapterParams, LossAndGrads, PreparedDataset, PreparedExample, StepBatch } from "../../../src/train/loop/index.js";

export const TOKENS = 2;
export const TEXT_TOKENS = 3;
export const TEXT_DIM = 4;
export const VEC_DIM = 3;

const filled = (dims: readonly number[], f: (i: number) => number): Tensor<"f32"> => {
  const t = tensor("f32", dims);
  for (let i = 0; i < t.data.length; i++) t.data[i] = f(i);
  return t;
};

export function fakeDataset(count = 5): PreparedDataset & { reads: number[] } {
  const reads: number[] = [];
  return {
    count,
    reads,
    emptyPrompt: { txt: filled([TEXT_TOKENS, TEXT_DIM], () => 0.25), y: filled([VEC_DIM], () => -0.5) },
    get: async (index: number): Promise<PreparedExample> => {
      reads.push(index);
      return {
        x0: filled([TOKENS, 64], (i) => Math.sin(index * 1.7 + i * 0.31)),
        imgCond: filled([TOKENS, 320], (i) => Math.cos(index * 0.9 + i * 0.07)),
        txt: filled([TEXT_TOKENS, TEXT_DIM], (i) => Math.sin(index * 2.3 - i)),
        y: filled([VEC_DIM], (i) => index + i * 0.5),
        origin: `fake example ${index}`,
      };
    },
  };
}

/** An adapter with one plain and one MoE-style module (the keys only matter as names). */
export function fakeParams(): Map<string, Tensor<"f32">> {
  return new Map([
    ["transformer.x_embedder.lora_A.weight", filled([2, 3], (i) => 0.1 * i - 0.2)],
    ["transformer.x_embedder.lora_B.weight", filled([3, 2], () => 0)],
    ["transformer.single_transformer_blocks.0.proj_out.lora_A.expert_0.weight", filled([2, 5], (i) => 0.05 * i)],
    ["transformer.single_transformer_blocks.0.proj_out.lora_route.weight", filled([2, 5], (i) => Math.cos(i))],
  ]);
}

/** The batch's pull on element k: a mix of every input of the batch. */
function centre(batch: StepBatch, k: number): number {
  const B = batch.t.length;
  let c = 0;
  for (let b = 0; b < B; b++) {
    const at = <T extends Tensor<"f32">>(t: T, j: number): number => {
      const per = t.data.length / B;
      return t.data[b * per + (j % per)] as number;
    };
    c +=
      0.05 * batch.t[b]! * at(batch.noise, 3 * k) +
      0.3 * at(batch.x0, k) +
      0.2 * at(batch.imgCond, 5 * k) +
      0.4 * at(batch.txt, k) +
      0.1 * at(batch.y, k);
  }
  return c / B;
}

export interface FakeStep {
  readonly lossAndGrads: LossAndGrads;
  /** Batches seen, in order. */
  readonly batches: StepBatch[];
}

/**
 * loss = (1/N) sum_k (p_k - c_k)^2 over all N adapter elements, gradient 2 (p_k - c_k) / N.
 * `poison(call)` may return a value to add to the loss of that call (1-based), e.g. NaN.
 */
export function fakeStep(options: { delayMs?: number; poison?: (call: number) => number } = {}): FakeStep {
  const batches: StepBatch[] = [];
  const lossAndGrads: LossAndGrads = async (batch: StepBatch, params: AdapterParams) => {
    batches.push(batch);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    let n = 0;
    for (const p of params.values()) n += p.data.length;
    let sum = 0;
    let k = 0;
    const grads = new Map<string, Tensor<"f32">>();
    for (const [name, p] of params) {
      const g = tensor("f32", p.dims);
      for (let i = 0; i < p.data.length; i++, k++) {
        const diff = (p.data[i] as number) - centre(batch, k);
        sum += diff * diff;
        g.data[i] = (2 * diff) / n;
      }
      grads.set(name, g);
    }
    return { loss: sum / n + (options.poison?.(batches.length) ?? 0), grads };
  };
  return { lossAndGrads, batches };
}
