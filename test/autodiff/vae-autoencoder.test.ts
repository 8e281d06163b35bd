/**
 * The whole demo VAE (DEMO_VAE: encoder and decoder, random weights) differentiated end to end:
 * the autoencoder loss mean((decode(mean) - image)^2) + 1e-3 KL(moments) with respect to a few
 * of its weights, bound as graph inputs by InputParamBinder (src/train/params/input-binder.ts), against
 * central finite differences on chosen elements. The image is declared [B, 3, H, W] as in the real
 * VAE graphs. Float32 throughout (ONNX Runtime's CPU provider has no float64 Conv,
 * InstanceNormalization or Resize), so the loss carries float32 rounding from some hundred layers
 * (about 1e-7 of it, over 2 * step): step 3e-3 and |analytic - numeric| <= 1e-2 * max|numeric| + 1e-5,
 * the largest gap seen here being 5e-3 of the scale (a wrong rule is off by the size of the gradient).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradients } from "../../src/autodiff/index.js";
import { InlineParams } from "../../src/components/params/load-params.js";
import { DEMO_VAE } from "../../src/demo/make-demo-model.js";
import { vaeInitRule } from "../../src/demo/init/vae.js";
import { randomTensors } from "../../src/demo/random-weights.js";
import { decodeValues, encodeValues, AutoEncoder } from "../../src/models/vae/model.js";
import { BuildContext } from "../../src/nn/module.js";
import { Graph, ops, type Value } from "../../src/onnx/index.js";
import { InputParamBinder } from "../../src/train/params/input-binder.js";
import { tensor, type Tensor } from "../../src/tensor.js";
import { engineForTests, uniform } from "../onnx/helpers.js";

const engine = engineForTests();

/** The weights differentiated: the first conv, a GroupNorm scale, the stride-2 downsample, an upsample conv, attention q, the last bias. */
const TRAINED = [
  "encoder.conv_in.weight",
  "encoder.down.0.block.0.norm1.weight",
  "encoder.down.0.downsample.conv.weight",
  "encoder.mid.attn_1.q.weight",
  "decoder.up.1.upsample.conv.weight",
  "decoder.conv_out.bias",
];
/** Elements of each weight checked by finite differences. */
const CHECKED = 6;
const IMAGE_DIMS = [2, 3, 16, 16];

/** image [B, 3, H, W] -> scalar loss: reconstruction MSE of decode(mean) plus 1e-3 times the mean KL of N(mean, exp(logvar)). */
function autoencoderLoss(ctx: BuildContext, model: AutoEncoder, image: Value): Value {
  const { moments, mean } = encodeValues(ctx, model.encoder, image);
  const z = model.params.zChannels;
  const logvar = ops.slice(moments, 1, z, 2 * z);
  const recon = decodeValues(ctx, model.decoder, mean).image;
  const diff = ops.sub(recon, image);
  const mse = ops.reduceMean(ops.mul(diff, diff), null, false);
  const kl = ops.reduceMean(ops.sub(ops.add(ops.mul(mean, mean), ops.exp(logvar)), ops.add(logvar, 1)), null, false);
  return ops.add(mse, ops.mul(kl, 0.5e-3));
}

function buildGraph(model: AutoEncoder, frozen: InlineParams, withGrads: boolean): Graph {
  const g = new Graph(withGrads ? "vae_grad" : "vae_loss");
  const binder = new InputParamBinder(
    model.parameters().filter((spec) => TRAINED.includes(spec.path)),
    frozen,
  );
  const image = g.addInput("image", "f32", ["B", 3, "H", "W"]);
  const loss = autoencoderLoss(new BuildContext(g, binder), model, image);
  g.addOutput(loss, "loss");
  if (withGrads) {
    const wrt = TRAINED.map((path) => {
      const v = binder.boundInputs(g).get(path);
      assert.ok(v, `${path} was not bound as a graph input`);
      return v;
    });
    gradients(loss, wrt).forEach((d, i) => g.addOutput(d, `grad.${TRAINED[i]}`));
  }
  return g;
}

test("the demo VAE's autoencoder loss: gradients of six weights against finite differences", async () => {
  const model = new AutoEncoder(DEMO_VAE);
  const all = randomTensors(model.parameters(), 5, vaeInitRule);
  const frozen = new InlineParams(new Map([...all].filter(([path]) => !TRAINED.includes(path))));
  const feeds: Record<string, Tensor> = {
    image: tensor(
      "f32",
      IMAGE_DIMS,
      uniform(
        IMAGE_DIMS.reduce((a, b) => a * b, 1),
        3,
        -1,
        1,
      ),
    ),
  };
  for (const path of TRAINED) feeds[path] = all.get(path) as Tensor;
  const analytic = await engine.load(buildGraph(model, frozen, true));
  const forward = await engine.load(buildGraph(model, frozen, false));
  try {
    const grads = (await analytic.run(feeds)).outputs;
    const loss = async (f: Record<string, Tensor>): Promise<number> => (await forward.run(f)).outputs.loss?.data[0] as number;
    const eps = 3e-3;
    for (const path of TRAINED) {
      const got = grads[`grad.${path}`] as Tensor;
      const base = feeds[path] as Tensor;
      assert.deepEqual(got.dims, base.dims, `${path}: gradient dims`);
      const n = base.data.length;
      const picks = Array.from({ length: Math.min(CHECKED, n) }, (_, k) => Math.floor(((k + 0.5) * n) / Math.min(CHECKED, n)));
      const numeric: number[] = [];
      for (const i of picks) {
        const at = async (delta: number): Promise<number> => {
          const data = (base.data as Float32Array).slice();
          data[i] = (data[i] as number) + delta;
          return loss({ ...feeds, [path]: tensor("f32", base.dims, data) });
        };
        numeric.push(((await at(eps)) - (await at(-eps))) / (2 * eps));
      }
      const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scale > 1e-4, `${path}: the checked gradient elements are all about zero (${scale}); pick others`);
      picks.forEach((i, k) => {
        const [a, d] = [got.data[i] as number, numeric[k] as number];
        assert.ok(Math.abs(a - d) <= 1e-5 + 1e-2 * scale, `${path}[${i}]: autodiff ${a}, finite differences ${d} (scale ${scale})`);
      });
    }
  } finally {
    await analytic.release();
    await forward.release();
  }
});
