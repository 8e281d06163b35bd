/**
 * A torch-compatible CPU generator, so that the same seed gives the same noise as
 * `torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed), dtype=...)`
 * (checked bit for bit against torch 2.13.0+cpu on x86-64, see the torch-randn golden case).
 *
 * - Engine: mt19937 seeded with init_genrand(seed & 0xffffffff) (mt19937.ts).
 * - numel >= 16: the block Box-Muller of torch's AVX2 kernel (torch-normal-fill.ts).
 * - numel < 16: torch's serial path, one float64 normal per element, cast to the dtype. Each
 *   float64 normal uses two random64 draws (u1 and u2, 53-bit uniforms) and returns r cos θ; the
 *   generator keeps r sin θ and returns it on the next serial draw (torch's
 *   next_double_normal_sample). The block path neither uses nor clears that cache.
 */
import { f32ToBf16 } from "../numeric/float16.js";
import { tensor, type Tensor } from "../tensor.js";
import { Mt19937, type Mt19937State } from "./mt19937.js";
import { normalFillBf16, normalFillF32 } from "./torch-normal-fill.js";
import { mt19937SeedOf, randnNumel, torchRandnDType, torchSeedToUint64, type TorchRandnDType } from "./torch-rng-args.js";

export type { TorchRandnDType } from "./torch-rng-args.js";

/** Everything a TorchGenerator holds; restore it with TorchGenerator.fromState. */
export interface TorchGeneratorState {
  /** The seed as torch reports it (`initial_seed()`, a uint64). */
  readonly seed: bigint;
  readonly engine: Mt19937State;
  /** The cached second value of the last serial Box-Muller pair, if any. */
  readonly nextDoubleNormal: number | null;
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_M53 = 2 ** -53;

export class TorchGenerator {
  /** The seed as torch reports it (`initial_seed()`): a uint64, negative seeds as two's complement. */
  readonly seed: bigint;
  private engine: Mt19937;
  private cachedNormal: number | null = null;

  /** `torch.Generator("cpu").manual_seed(seed)`; seed in [-2^63, 2^64). */
  constructor(seed: number | bigint) {
    this.seed = torchSeedToUint64(seed);
    this.engine = new Mt19937(mt19937SeedOf(this.seed));
  }

  static fromState(state: TorchGeneratorState): TorchGenerator {
    const g = new TorchGenerator(state.seed);
    g.engine = Mt19937.fromState(state.engine);
    g.cachedNormal = state.nextDoubleNormal;
    return g;
  }

  /** A snapshot (a copy: later draws do not change it). */
  state(): TorchGeneratorState {
    return { seed: this.seed, engine: this.engine.state(), nextDoubleNormal: this.cachedNormal };
  }

  /** An independent generator in the same state. */
  clone(): TorchGenerator {
    return TorchGenerator.fromState(this.state());
  }

  /** torch's `random()`: the next 32-bit word. */
  nextUint32(): number {
    return this.engine.nextUint32();
  }

  /** torch's `random64()`: (first word << 32) | second word. */
  nextUint64(): bigint {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** `uniform_real_distribution<float>(0, 1)`: (word & 0xFFFFFF) · 2^-24. */
  nextFloatUniform(): number {
    return (this.engine.nextUint32() & 0xffffff) * 2 ** -24;
  }

  /** `uniform_real_distribution<double>(0, 1)`: (random64 & (2^53 - 1)) · 2^-53. */
  nextDoubleUniform(): number {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) * TWO_POW_M53;
  }

  /** `normal_distribution<double>(0, 1)`: one float64 standard normal (serial path, cached pairs). */
  nextDoubleNormal(): number {
    const cached = this.cachedNormal;
    if (cached !== null) {
      this.cachedNormal = null;
      return cached + 0;
    }
    const u1 = this.nextDoubleUniform();
    const u2 = this.nextDoubleUniform();
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    // `+ 0`: torch returns val · std + mean with mean = 0, which turns -0 into +0.
    return r * Math.cos(theta) + 0;
  }

  /** `torch.randn(dims, generator=this, dtype)`; bf16 data are raw bfloat16 bits. */
  randn(dims: readonly number[], dtype: "f32"): Tensor<"f32">;
  randn(dims: readonly number[], dtype: "bf16"): Tensor<"bf16">;
  randn(dims: readonly number[], dtype: TorchRandnDType): Tensor<"f32"> | Tensor<"bf16">;
  randn(dims: readonly number[], dtype: TorchRandnDType): Tensor<"f32"> | Tensor<"bf16"> {
    const kind = torchRandnDType(dtype);
    const n = randnNumel(dims);
    if (n >= 16) {
      return kind === "f32" ? tensor("f32", dims, normalFillF32(this.engine, n)) : tensor("bf16", dims, normalFillBf16(this.engine, n));
    }
    const values = new Float32Array(n); // the float64 -> float32 cast rounds to nearest even
    for (let i = 0; i < n; i++) values[i] = this.nextDoubleNormal();
    // bfloat16 from a double goes through float (c10::BFloat16 converts from float).
    return kind === "f32" ? tensor("f32", dims, values) : tensor("bf16", dims, f32ToBf16(values));
  }
}

/** `torch.randn(dims, generator=torch.Generator("cpu").manual_seed(seed), dtype)`. */
export function torchRandn(seed: number | bigint, dims: readonly number[], dtype: "f32"): Tensor<"f32">;
export function torchRandn(seed: number | bigint, dims: readonly number[], dtype: "bf16"): Tensor<"bf16">;
export function torchRandn(seed: number | bigint, dims: readonly number[], dtype: TorchRandnDType): Tensor<"f32"> | Tensor<"bf16">;
export function torchRandn(seed: number | bigint, dims: readonly number[], dtype: TorchRandnDType): Tensor<"f32"> | Tensor<"bf16"> {
  return new TorchGenerator(seed).randn(dims, dtype);
}
