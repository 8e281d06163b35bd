import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Tensor } from "../../../src/tensor.js";
import { flattenOptimizerState, OPTIMIZER_METADATA_KEY, unflattenOptimizerState } from "../../../src/train/optim/checkpoint.js";
import { createOptimizer, optimizerFromState } from "../../../src/train/optim/create.js";
import { OptimizerStateError } from "../../../src/train/optim/errors.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import { bytes, cloneParams, f32Map } from "./helpers.js";

const start = (): Map<string, Tensor<"f32">> =>
  f32Map({ "t.lora_A.expert_0.weight": [0.2, -0.4, 0.1], "t.lora_route.weight": [1.5, -0.5] });
const gradAt = (params: ReadonlyMap<string, Tensor<"f32">>, s: number): Map<string, Tensor<"f32">> =>
  new Map(
    [...params].map(([name, t]) => [name, { dtype: "f32", dims: [...t.dims], data: t.data.map((p, i) => p - 1 + 0.1 * Math.sin(s + i)) }]),
  );

describe("optimizer state in a safetensors checkpoint", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "icedit-optim-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [kind, kwargs] of [
    ["adamw", { lr: 0.01 }],
    ["prodigy", { use_bias_correction: true, safeguard_warmup: true, weight_decay: 0.01, slice_p: 2 }],
    ["prodigy", { betas: [0, 0.999] }],
  ] as const) {
    test(`${kind} ${JSON.stringify(kwargs)}: 16 steps straight equal 8, written to a file and read back, then 8 (same bytes)`, async () => {
      const straight = start();
      const a = createOptimizer(kind, straight, kwargs);
      for (let s = 0; s < 16; s++) a.step(gradAt(straight, s));

      const first = start();
      const b = createOptimizer(kind, first, kwargs);
      for (let s = 0; s < 8; s++) b.step(gradAt(first, s));
      const flat = flattenOptimizerState(b.state());
      const path = join(dir, `${kind}-${kwargs.lr ?? 0}-${"slice_p" in kwargs}.safetensors`);
      await writeSafetensors(path, new Map<string, Tensor>([...first, ...flat.tensors]), flat.metadata);

      const file = await openSafetensors(path);
      const stored = new Map<string, Tensor>();
      try {
        for (const name of file.names()) stored.set(name, await file.read(name));
        const params = new Map([...first.keys()].map((name) => [name, stored.get(name) as Tensor<"f32">]));
        const resumed = optimizerFromState(params, unflattenOptimizerState(stored, file.metadata()));
        for (let s = 8; s < 16; s++) resumed.step(gradAt(params, s));
        assert.ok(bytes(params).equals(bytes(straight)));
        assert.deepEqual(resumed.state(), a.state());
      } finally {
        await file.close();
      }
    });
  }

  test("Prodigy's default growth_rate (Infinity) survives the JSON metadata", () => {
    const params = start();
    const opt = createOptimizer("prodigy", params);
    opt.step(gradAt(params, 0));
    const flat = flattenOptimizerState(opt.state());
    assert.match(flat.metadata[OPTIMIZER_METADATA_KEY]!, /"growthRate":"inf"/);
    const back = unflattenOptimizerState(flat.tensors, flat.metadata);
    assert.equal(back.kind === "prodigy" && back.options.growthRate, Infinity);
  });

  test("refuses a checkpoint without or with damaged optimizer metadata, or a missing buffer", () => {
    const params = start();
    const opt = createOptimizer("adamw", params);
    opt.step(gradAt(params, 0));
    const flat = flattenOptimizerState(opt.state());
    assert.throws(() => unflattenOptimizerState(flat.tensors, {}), /no icedit.optimizer metadata/);
    assert.throws(() => unflattenOptimizerState(flat.tensors, { [OPTIMIZER_METADATA_KEY]: "{oops" }), OptimizerStateError);
    assert.throws(
      () => unflattenOptimizerState(flat.tensors, { [OPTIMIZER_METADATA_KEY]: '{"kind":"sgd","steps":{}}' }),
      /sgd, expected adamw or prodigy/,
    );
    const missing = new Map(flat.tensors);
    missing.delete("optimizer.exp_avg_sq.t.lora_route.weight");
    assert.throws(
      () => unflattenOptimizerState(missing, flat.metadata),
      /lacks the float32 tensor optimizer.exp_avg_sq.t.lora_route.weight/,
    );
    assert.throws(
      () => optimizerFromState(cloneParams(f32Map({ other: [1] })), unflattenOptimizerState(flat.tensors, flat.metadata)),
      OptimizerStateError,
    );
  });
});
