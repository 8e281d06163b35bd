import { test } from "node:test";
import assert from "node:assert/strict";
import { GOLDEN_DIR, goldenFile, goldenSkip } from "../golden-paths.js";
import { checkGolden } from "../../src/golden/check.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { f32ToBf16 } from "../../src/numeric/float16.js";
import { TorchGenerator, torchRandn, type TorchRandnDType } from "../../src/sampling/torch-rng.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";

/** Skips n words of a generator's stream. */
function skip(g: TorchGenerator, n: number): TorchGenerator {
  for (let i = 0; i < n; i++) g.nextUint32();
  return g;
}

/** Asserts that `g` has consumed exactly `words` uint32 values since it was seeded with `seed`. */
function assertConsumed(g: TorchGenerator, seed: number, words: number, what: string): void {
  const ref = skip(new TorchGenerator(seed), words);
  assert.deepEqual([g.nextUint32(), g.nextUint32()], [ref.nextUint32(), ref.nextUint32()], `${what}: not ${words} words consumed`);
}

test("golden torch_randn_seed42 passes through check-golden", { skip: goldenSkip }, async () => {
  const summary = await checkGolden(GOLDEN_DIR, { only: ["torch-randn"] });
  assert.equal(
    summary.failed,
    0,
    JSON.stringify(summary.results, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
  );
  assert.ok(summary.passed >= 1);
});

test("golden torch.randn tensors are reproduced bit for bit (f32 and bf16)", { skip: goldenSkip }, async () => {
  const expected = await openSafetensors(goldenFile("cases/torch_randn_seed42.expected.safetensors"));
  try {
    const sequences = new Map<string, TorchGenerator>();
    for (const name of expected.names().sort()) {
      const e = await expected.read(name);
      const dtype = name.split("_")[1] as TorchRandnDType;
      const key = name.replace(/_draw\d+$/, "");
      const g = name.startsWith("seq_") ? (sequences.get(key) ?? new TorchGenerator(42)) : new TorchGenerator(42);
      sequences.set(key, g);
      const a = g.randn(e.dims, dtype);
      assert.equal(a.dtype, e.dtype, name);
      assert.deepEqual(a.dims, e.dims, name);
      const bits = (t: typeof e): number[] =>
        Array.from(
          t.data instanceof Float32Array ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length) : (t.data as Uint16Array),
        );
      const [x, y] = [bits(a), bits(e)];
      const differing = x.filter((v, i) => v !== y[i]).length;
      assert.equal(differing, 0, `${name}: ${differing} of ${y.length} values differ in their bits`);
    }
  } finally {
    await expected.close();
  }
});

test("state advance: f32 takes numel (+16) words, bf16 floor(numel/16)*16 (+16)", () => {
  const cases: Array<[readonly number[], TorchRandnDType, number]> = [
    [[1, 16, 4, 8], "f32", 512],
    [[17], "f32", 17 + 16],
    [[40], "f32", 40 + 16],
    [[16], "bf16", 16],
    [[1, 16, 4, 8], "bf16", 512],
    [[17], "bf16", 16 + 16],
    [[40], "bf16", 32 + 16],
    [[0], "f32", 0],
  ];
  for (const [dims, dtype, words] of cases) {
    const g = new TorchGenerator(5);
    g.randn(dims, dtype);
    assertConsumed(g, 5, words, `randn([${dims}], ${dtype})`);
  }
});

test("serial path (numel < 16): one random64 pair per two values, the second cached in the generator", { skip: goldenSkip }, async () => {
  const g = new TorchGenerator(42);
  const first = g.randn([1], "f32").data[0];
  assert.notEqual(g.state().nextDoubleNormal, null, "r·sin θ is cached");
  const second = g.randn([1], "f32").data[0];
  assert.equal(g.state().nextDoubleNormal, null);
  assertConsumed(g, 42, 4, "two 1-element draws");
  // They are torch's first two values of randn(7) with seed 42 (golden), and randn(2)'s.
  const expected = await openSafetensors(goldenFile("cases/torch_randn_seed42.expected.safetensors"));
  const golden = (await expected.readF32("randn_f32_7")).data;
  await expected.close();
  assert.deepEqual([first, second], [golden[0], golden[1]]);
  assert.deepEqual(Array.from(torchRandn(42, [2], "f32").data), [first, second]);
  // One element consumes a whole pair (4 words); an odd count leaves a value cached.
  const one = new TorchGenerator(9);
  one.randn([], "f32");
  assertConsumed(one, 9, 4, "randn([])");
  // The block path neither uses nor clears the cache: after randn(7) and randn(32), randn(1)
  // returns the cached 8th serial value.
  const h = new TorchGenerator(3);
  h.randn([7], "f32");
  h.randn([32], "f32");
  const cached = h.randn([1], "f32").data[0];
  assert.equal(cached, torchRandn(3, [8], "f32").data[7]);
});

test("bf16 vs f32: equal after rounding when numel % 16 == 0; the bf16 tail block starts one slot earlier", () => {
  for (const seed of [0, 1, 42, 1234567]) {
    for (const dims of [[16], [1, 16, 8, 8], [3, 32]]) {
      const f = torchRandn(seed, dims, "f32");
      const b = torchRandn(seed, dims, "bf16");
      assert.deepEqual(Array.from(b.data), Array.from(f32ToBf16(f.data)), `seed ${seed} [${dims}]`);
    }
    // numel 17: bf16 draws 16 uniforms for block 0, then 16 for the tail: f32 randn(32)'s two blocks.
    const b17 = torchRandn(seed, [17], "bf16").data;
    const f32of32 = f32ToBf16(torchRandn(seed, [32], "f32").data);
    assert.deepEqual(Array.from(b17), [f32of32[0], ...Array.from(f32of32.subarray(16, 32))]);
    assert.notDeepEqual(Array.from(b17), Array.from(f32ToBf16(torchRandn(seed, [17], "f32").data)));
    // Serial path: bf16 is the f32 value rounded to bf16.
    assert.deepEqual(Array.from(torchRandn(seed, [5], "bf16").data), Array.from(f32ToBf16(torchRandn(seed, [5], "f32").data)));
  }
});

test("seeds: torch keeps a uint64 but seeds mt19937 with its low 32 bits", () => {
  const stream = (seed: number | bigint): number[] => Array.from(torchRandn(seed, [20], "f32").data);
  assert.deepEqual(stream(2n ** 32n + 42n), stream(42));
  assert.deepEqual(stream(-1), stream(0xffffffff));
  assert.deepEqual(stream(2n ** 64n - 1n), stream(0xffffffff));
  assert.equal(new TorchGenerator(-1).seed, 2n ** 64n - 1n);
  assert.equal(new TorchGenerator(2n ** 40n).seed, 2n ** 40n);
  assert.equal(new TorchGenerator(42).nextUint32(), 1608637542);
});

test("clone and state snapshots continue the same stream", () => {
  const g = new TorchGenerator(77);
  g.randn([5], "f32"); // leaves a cached serial value
  const copy = g.clone();
  const saved = g.state();
  const a = Array.from(g.randn([3], "f32").data);
  assert.deepEqual(Array.from(copy.randn([3], "f32").data), a);
  assert.deepEqual(Array.from(TorchGenerator.fromState(saved).randn([3], "f32").data), a);
  assert.equal(g.nextUint64(), copy.nextUint64());
});

test("typed errors for bad seeds, shapes and dtypes", () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => new TorchGenerator(1.5), /seed must be an integer/],
    [() => new TorchGenerator(Number.NaN), /seed must be an integer/],
    [() => new TorchGenerator(2 ** 60), /pass the seed as a bigint/],
    [() => new TorchGenerator(2n ** 64n), /outside \[-2\^63, 2\^64\)/],
    [() => new TorchGenerator(-(2n ** 63n) - 1n), /outside/],
    [() => torchRandn(1, [2, -1], "f32"), /size 1 is -1; sizes must be integers >= 0/],
    [() => torchRandn(1, [2.5], "f32"), /sizes must be integers/],
    [() => torchRandn(1, ["4"] as unknown as number[], "f32"), /sizes must be integers/],
    [() => torchRandn(1, [4], "f16" as TorchRandnDType), /float32 and bfloat16 only, not f16/],
    [() => torchRandn(1, [2 ** 20, 2 ** 12], "f32"), /draw it in smaller pieces/],
  ];
  for (const [call, message] of bad) assert.throws(call, (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
});

test("a FLUX 1024x1024 latent (524288 values) draws quickly", (t) => {
  const start = performance.now();
  const noise = torchRandn(0, [1, 16, 128, 256], "f32");
  const ms = performance.now() - start;
  t.diagnostic(`randn([1, 16, 128, 256], f32): ${ms.toFixed(1)} ms`);
  assert.equal(noise.data.length, 524288);
  assert.ok(ms < 2000, `${ms} ms`);
});
