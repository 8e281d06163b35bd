/**
 * Random weights for T5 encoders with the golden X1 recipe (manifest configs.X1.init), for demo
 * models, tests and benchmarks: activations stay O(1) through every block at any size.
 *   shared N(0, 1) (not scaled); q std (d_model d_kv)^-1/2 (transformers' init, keeps the unscaled
 *   logits O(1)); k, v std d_model^-1/2; o std (H d_kv)^-1/2; relative_attention_bias std 0.5;
 *   wi_0 std 2 d_model^-1/2 (0.25 at X1's d_model 64: GELU inputs ~N(0, 2^2), so tanh vs erf GELU
 *   shows); wi_1 std d_model^-1/2; wo std d_ff^-1/2; RMSNorm weights 1 + 0.1 N(0, 1).
 */
import type { Tensor } from "../../tensor.js";
import { randomTensors, type InitRule, type ParamShape } from "../random-weights.js";
import type { T5Config } from "../../models/t5/config.js";
import { T5EncoderStack } from "../../models/t5/model.js";

export function t5InitRule(config: T5Config): (p: ParamShape) => InitRule {
  const d = config.dModel;
  return (p) => {
    const path = p.path;
    if (path.endsWith("layer_norm.weight")) return { mean: 1, std: 0.1 };
    if (path === "shared.weight") return { std: 1 };
    if (path.endsWith("relative_attention_bias.weight")) return { std: 0.5 };
    if (path.endsWith("SelfAttention.q.weight")) return { std: 1 / Math.sqrt(d * config.dKv) };
    if (path.endsWith("SelfAttention.o.weight")) return { std: 1 / Math.sqrt(config.numHeads * config.dKv) };
    if (path.endsWith("DenseReluDense.wi_0.weight")) return { std: 2 / Math.sqrt(d) };
    if (path.endsWith("DenseReluDense.wo.weight")) return { std: 1 / Math.sqrt(config.dFf) };
    return { std: 1 / Math.sqrt(d) };
  };
}

/** Every tensor of a T5EncoderModel checkpoint (the keys save_pretrained writes), drawn with t5InitRule. */
export function randomT5Weights(config: T5Config, seed: number): Map<string, Tensor<"f32">> {
  return randomTensors(new T5EncoderStack(config).parameters(), seed, t5InitRule(config));
}
