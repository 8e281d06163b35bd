import { test } from "node:test";
import assert from "node:assert/strict";
import { Mt19937 } from "../../src/sampling/mt19937.js";
import { InvalidArgumentError } from "../../src/errors.js";

const draw = (engine: Mt19937, n: number): number[] => Array.from({ length: n }, () => engine.nextUint32());

test("mt19937 seeded 5489 gives the reference stream (mt19937ar; C++ std::mt19937's 10000th value)", () => {
  const engine = new Mt19937(5489);
  assert.deepEqual(draw(engine, 5), [3499211612, 581869302, 3890346734, 3586334585, 545404204]);
  // [rand.predef]: the 10000th consecutive output of a default-constructed std::mt19937 is 4123659995.
  engine.discard(10000 - 5 - 1);
  assert.equal(engine.nextUint32(), 4123659995);
});

test("mt19937 seeded 42 and 0 give numpy's legacy-seeded MT19937 streams", () => {
  // numpy.random.RandomState(42) / MT19937._legacy_seeding(42) = init_genrand(42)
  assert.deepEqual(draw(new Mt19937(42), 5), [1608637542, 3421126067, 4083286876, 787846414, 3143890026]);
  // torch.Generator().manual_seed(0).random() stream (also numpy's for seed 0)
  assert.deepEqual(draw(new Mt19937(0), 5), [2357136044, 2546248239, 3071714933, 3626093760, 2588848963]);
  assert.deepEqual(draw(new Mt19937(0xffffffff), 3), [419326371, 479346978, 3918654476]);
});

test("mt19937 fill equals repeated nextUint32, across refills of the 624-word state", () => {
  const a = new Mt19937(7);
  const b = new Mt19937(7);
  a.discard(600);
  b.discard(600);
  const words = new Uint32Array(2000);
  a.fill(words, 3, 1500);
  assert.deepEqual(Array.from(words.subarray(3, 1503)), draw(b, 1500));
  assert.equal(words[0], 0);
  assert.equal(words[1503], 0);
  assert.equal(a.nextUint32(), b.nextUint32());
});

test("mt19937 state snapshots restore the stream and are copies", () => {
  const engine = new Mt19937(123);
  engine.discard(700);
  const snapshot = engine.state();
  const next = draw(engine, 10);
  assert.deepEqual(draw(Mt19937.fromState(snapshot), 10), next);
  assert.deepEqual(draw(engine.clone(), 3), draw(engine, 3));
  assert.throws(() => Mt19937.fromState({ state: new Uint32Array(10), left: 1, next: 0 }), InvalidArgumentError);
  assert.throws(() => Mt19937.fromState({ ...snapshot, left: 0 }), /1 <= left <= 624/);
});
