/**
 * The training step on a tiny random FLUX (no golden files needed): the noised input and target
 * as the formula says, the graph's loss equal to the host's mean((pred - target)^2), and the
 * graph's adapter gradients against central finite differences of its own loss, at batch 2 with
 * alpha != rank and a MoE-LoRA routing to 3 of its 3 experts: the router trains, and no top-k
 * choice can flip within a finite difference (with top-2 one does, and the loss jumps; top-k
 * selection itself is pinned by the golden cases and the TopK rule's own tests). The same on a
 * base quantized to int8 MatMulNBits (QLoRA-style: the frozen base passes input gradients).
 */
import { checkAlongGradients } from "./gradient-direction.js";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fluxInitRule } from "../../../src/demo/init/flux.js";
import { randomTensors } from "../../../src/demo/random-weights.js";
import { imageIds, textIds } from "../../../src/models/flux/inputs.js";
import { Flux } from "../../../src/models/flux/model.js";
import { validateFluxParams } from "../../../src/models/flux/params.js";
import { precisionOf } from "../../../src/components/precision.js";
import { Engine } from "../../../src/runtime/engine.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { freshTrainableAdapter, type TrainableAdapter } from "../../../src/train/adapter/index.js";
import { noisedInputs, TrainingStep, type TrainingInputs } from "../../../src/train/step/index.js";
import { iceditLoraModules, loraTargetModules } from "../../../src/weights/lora/icedit-modules.js";
import { LoraTargets } from "../../../src/weights/lora/targets.js";
import { memorySource } from "../../../src/weights/memory-source.js";
import { randT } from "../../onnx/helpers.js";
import { TINY, tinyInputs } from "../tiny-flux.js";

/** tinyInputs: B = 2 examples of L = 4 tokens. */
const [B, L] = [2, 4];
const inputs = tinyInputs;

/**
 * Every adapter tensor random (B nonzero, so every tensor has a gradient); routers small, so the
 * routing softmax is smooth on the scale of a finite difference.
 */
function randomParams(adapter: TrainableAdapter, seed: number): Map<string, Tensor<"f32">> {
  return new Map(
    adapter.keys.map((k, i) => {
      const r = k.includes("lora_route") ? 0.05 : 0.5;
      return [k, randT(adapter.dims(k), seed + i, -r, r)];
    }),
  );
}

/** The whole step's gradients of a plain LoRA's A and B, two experts and the routers, by gradient-direction.ts. */
async function checkStepGradients(step: TrainingStep, adapter: TrainableAdapter): Promise<void> {
  const x = inputs(2);
  const params = randomParams(adapter, 200);
  const { grads } = await step.run(x, params);
  const moe = adapter.modules.filter((m) => m.kind === "moe");
  const plain = adapter.modules.find((m) => m.kind === "plain" && m.module.includes("to_v"));
  assert.ok(moe.length === 2 && plain?.kind === "plain");
  const keys = [
    plain.a,
    plain.b,
    ...moe.flatMap((m) => (m.kind === "moe" ? [m.experts[1]?.a as string, m.experts[2]?.b as string, m.route] : [])),
  ];
  await checkAlongGradients(keys, params, grads, async () => (await step.run(x, params)).loss);
}

describe("TrainingStep on a tiny FLUX", () => {
  let engine: Engine;
  let step: TrainingStep;
  let adapter: TrainableAdapter;
  before(async () => {
    engine = new Engine();
    const model = new Flux(TINY);
    const targets = LoraTargets.fromParams(model.parameters());
    const { mlpHidden } = validateFluxParams(TINY);
    adapter = freshTrainableAdapter(targets, iceditLoraModules({ ...TINY, mlpHidden }), {
      rank: 2,
      alpha: 3,
      experts: 3,
      topK: 3,
      seed: 5,
    });
    const weights = memorySource(randomTensors(model.parameters(), 7, fluxInitRule));
    step = await TrainingStep.open(engine, { weights, params: TINY, adapter });
  });
  after(async () => {
    await step.release();
    await engine.close();
  });

  test("x_t = (1 - t) x0 + t noise per batch element, beside the conditioning; target = noise - x0", () => {
    const x = inputs(1);
    const { img, target } = noisedInputs(x);
    assert.deepEqual(img.dims, [B, L, 24]);
    for (const [b, l, c] of [
      [0, 0, 0],
      [1, 3, 15],
    ] as const) {
      const at = (b * L + l) * 16 + c;
      const t = x.t.data[b] as number;
      const want = (1 - t) * (x.x0.data[at] as number) + t * (x.noise.data[at] as number);
      assert.ok(Math.abs((img.data[(b * L + l) * 24 + c] as number) - want) < 1e-6);
      assert.equal(img.data[(b * L + l) * 24 + 16], x.imgCond.data[(b * L + l) * 8]);
      assert.equal(target.data[at], Math.fround((x.noise.data[at] as number) - (x.x0.data[at] as number)));
    }
  });

  test("the graph's loss is the host's mean((pred - target)^2) over all B*L*C elements", async () => {
    const x = inputs(1);
    const result = await step.run(x, randomParams(adapter, 100));
    const { target } = noisedInputs(x);
    let sum = 0;
    for (let i = 0; i < target.data.length; i++) sum += ((result.pred.data[i] as number) - (target.data[i] as number)) ** 2;
    const host = sum / target.data.length;
    assert.ok(Math.abs(result.loss - host) <= 1e-6 * host, `${result.loss} vs ${host}`);
    assert.deepEqual(result.pred.dims, [B, L, 16]);
    assert.deepEqual([...result.grads.keys()], [...adapter.keys]);
  });

  test("one session serves other batch, text and image sizes (symbolic B, T, L)", async () => {
    const x: TrainingInputs = {
      x0: randT([1, 3, 16], 11),
      imgCond: randT([1, 3, 8], 12),
      txt: randT([1, 2, 12], 13),
      y: randT([1, 8], 14),
      imgIds: imageIds(1, 1, 3),
      txtIds: textIds(1, 2),
      t: tensor("f32", [1], new Float32Array([0.5])),
      noise: randT([1, 3, 16], 15),
    };
    const result = await step.run(x, randomParams(adapter, 100));
    assert.deepEqual(result.pred.dims, [1, 3, 16]);
    assert.ok(Number.isFinite(result.loss) && result.loss > 0);
    for (const [key, g] of result.grads) assert.deepEqual(g.dims, adapter.dims(key));
  });

  test("adapter gradients match central finite differences of the loss along each gradient (plain A, B, experts, both routers)", async () => {
    await checkStepGradients(step, adapter);
  });

  test("--targets all: the graph adapts every linear layer; the embedders', output layer's and image MLP's gradients match finite differences", async () => {
    const model = new Flux(TINY);
    const targets = LoraTargets.fromParams(model.parameters());
    const { mlpHidden } = validateFluxParams(TINY);
    const all = freshTrainableAdapter(targets, loraTargetModules({ ...TINY, mlpHidden }, "all"), { rank: 2, experts: 2, topK: 2, seed: 9 });
    const weights = memorySource(randomTensors(model.parameters(), 7, fluxInitRule));
    const allStep = await TrainingStep.open(engine, { weights, params: TINY, adapter: all });
    try {
      const x = inputs(4);
      const params = randomParams(all, 400);
      const { grads } = await allStep.run(x, params);
      const plainKeys = (module: string): string[] => {
        const m = all.modules.find((u) => u.module === module);
        assert.ok(m?.kind === "plain", module);
        return [m.a, m.b];
      };
      const keys = [
        "context_embedder",
        "time_text_embed.text_embedder.linear_1",
        "time_text_embed.timestep_embedder.linear_2",
        "norm_out.linear",
      ].flatMap(plainKeys);
      const mlpIn = all.modules.find((u) => u.module === "transformer_blocks.0.ff.net.0.proj");
      assert.ok(mlpIn?.kind === "moe", "ICEdit's rule: a module named ff.net gets experts");
      await checkAlongGradients(
        [...keys, mlpIn.experts[0]?.a as string, mlpIn.route],
        params,
        grads,
        async () => (await allStep.run(x, params)).loss,
        0.01,
      );
    } finally {
      await allStep.release();
    }
  });

  test("on an int8 MatMulNBits base (float activations) the gradients match finite differences too, and the loss stays near the float base's", async () => {
    const model = new Flux(TINY);
    const weights = memorySource(randomTensors(model.parameters(), 7, fluxInitRule));
    const quantized = await TrainingStep.open(engine, { weights, params: TINY, adapter, precision: precisionOf("int8", 32, 1) });
    try {
      const x = inputs(3);
      const params = randomParams(adapter, 300);
      const float = (await step.run(x, params)).loss;
      const int8 = (await quantized.run(x, params)).loss;
      assert.ok(Math.abs(int8 - float) < 1e-3 * float && int8 !== float, `int8 ${int8} vs float ${float}`);
      await checkStepGradients(quantized, adapter);
    } finally {
      await quantized.release();
    }
  });
});
