/**
 * The run's randomness as pure functions of (seed, what, counters): the data order of an epoch and
 * the draws of one micro-batch each come from their own torch-compatible generator, seeded by
 * mixing the run's seed with the epoch or (step, micro-batch). A resumed run therefore draws
 * exactly what the uninterrupted run drew, with no generator state to save.
 */
import { TorchGenerator } from "../../sampling/torch-rng.js";
import { tensor, type Tensor } from "../../tensor.js";

const MASK_64 = (1n << 64n) - 1n;

/** splitmix64's finaliser: a bijective mix of a 64-bit value. */
function mix64(z: bigint): bigint {
  let x = z & MASK_64;
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return x ^ (x >> 31n);
}

/** The streams a run draws from; each gets its own seeds. */
export const RandomStream = { dataOrder: 1, microBatch: 2 } as const;

/** A 64-bit seed for `stream` at `counters`, derived from the run's seed. */
export function derivedSeed(seed: number, stream: number, ...counters: readonly number[]): bigint {
  let h = mix64(BigInt.asUintN(64, BigInt(seed)) ^ 0x9e3779b97f4a7c15n);
  for (const value of [stream, ...counters]) h = mix64(h ^ BigInt.asUintN(64, BigInt(value)));
  return h;
}

/** An unbiased integer in [0, n) from 32-bit words (rejection of the uneven top range). */
function below(g: TorchGenerator, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const word = g.nextUint32();
    if (word < limit) return word % n;
  }
}

/** The order in which epoch `epoch` visits the `count` examples (Fisher-Yates). */
export function epochOrder(seed: number, epoch: number, count: number): Uint32Array {
  const g = new TorchGenerator(derivedSeed(seed, RandomStream.dataOrder, epoch));
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = below(g, i + 1);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/**
 * The distribution of the flow time t: logit-normal, t = sigmoid(logitMean + logitStd z) with z
 * standard normal (diffusers' weighting_scheme "logit_normal"). ICEdit trains with (0, 1); a
 * positive mean puts more of the training at high noise, where an edit's layout is decided.
 */
export interface TimeDistribution {
  readonly logitMean: number;
  readonly logitStd: number;
}

/** ICEdit's t = sigmoid(randn). */
export const ICEDIT_TIME_DISTRIBUTION: TimeDistribution = { logitMean: 0, logitStd: 1 };

/** What one micro-batch draws: which examples lose their text, t and the noise. */
export interface MicroBatchDraws {
  /** [B]: true where the prompt is replaced by the empty prompt. */
  readonly dropText: readonly boolean[];
  /** [B]: sigmoid(logitMean + logitStd randn), in float32. */
  readonly t: Float32Array;
  /** [B, L, 64]: randn. */
  readonly noise: Tensor<"f32">;
}

/**
 * The draws of micro-batch `micro` of optimizer step `step` (1-based), in this order: B uniforms
 * for text dropout (u < textDropout drops), t = sigmoid(logitMean + logitStd randn([B])), noise = randn([B, L, 64]).
 * noiseDims: [B, L, 64].
 */
export function drawMicroBatch(
  seed: number,
  step: number,
  micro: number,
  noiseDims: readonly [number, number, number],
  textDropout: number,
  time: TimeDistribution = ICEDIT_TIME_DISTRIBUTION,
): MicroBatchDraws {
  const g = new TorchGenerator(derivedSeed(seed, RandomStream.microBatch, step, micro));
  const batch = noiseDims[0];
  const dropText: boolean[] = [];
  for (let b = 0; b < batch; b++) dropText.push(g.nextDoubleUniform() < textDropout);
  const z = g.randn([batch], "f32").data;
  const t = new Float32Array(batch);
  for (let b = 0; b < batch; b++) t[b] = 1 / (1 + Math.exp(-(time.logitMean + time.logitStd * (z[b] as number))));
  const noise = g.randn(noiseDims, "f32");
  return { dropText, t, noise: tensor("f32", noiseDims, noise.data) };
}
