/**
 * Golden component "clip-text": transformers CLIPTextModel(input_ids) without a mask. Outputs
 * last_hidden_state, pooler_output and pooled_index under the case config's pooling rule, plus
 * `*_legacy_eosN` variants pooled as a config with eos_token_id N would (N = 2: argmax of the ids),
 * gathered on the host from the same last_hidden_state. Every weights id must pass.
 */
import { clipTextConfigFromHf } from "../../models/clip/config.js";
import { clipPooledIndex } from "../../models/clip/pooling.js";
import { ClipTextEncoder } from "../../components/text/clip.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { readIds } from "./t5.js";
import { caseConfig, compareExpected, detailOf, withCaseFiles, withWeights } from "../case-io.js";

const TAP = /^(embeddings|layer\d+_out|encoder_out)$/;
const VARIANT = /^(pooler_output|pooled_index)_legacy_eos(\d+)$/;

/** Rows `index[b]` of hidden [B, T, D] -> [B, D]. */
function gatherRows(hidden: Tensor<"f32">, index: readonly number[]): Tensor<"f32"> {
  const [batch, length, dim] = hidden.dims as [number, number, number];
  const out = new Float32Array(batch * dim);
  index.forEach((p, b) => out.set(hidden.data.subarray((b * length + p) * dim, (b * length + p + 1) * dim), b * dim));
  return tensor("f32", [batch, dim], out);
}

const indexTensor = (index: readonly number[]): Tensor<"i64"> =>
  tensor(
    "i64",
    [index.length],
    BigInt64Array.from(index, (i) => BigInt(i)),
  );

export const clipTextRunner: ComponentRunner = {
  component: "clip-text",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const config = clipTextConfigFromHf(caseConfig(env.manifest, c, "hf_CLIPTextConfig"));
    if (c.weights.length === 0) throw new GoldenManifestError(`case ${c.name} lists no weights`);
    return withCaseFiles(env, c, async (inputs, expected) => {
      const ids = await readIds(inputs);
      const taps = expected.names().filter((n) => TAP.test(n));
      const comparisons: TensorComparison[] = [];
      const missing: string[] = [];
      for (const id of c.weights) {
        const encoder = await withWeights(env.manifest, id, (source) =>
          ClipTextEncoder.open(env.engine, { weights: source, config, taps }),
        );
        try {
          const out = await encoder.forward(ids);
          const actual: Record<string, Tensor | undefined> = {
            ...out.taps,
            last_hidden_state: out.lastHiddenState,
            pooler_output: out.pooled,
            pooled_index: indexTensor(out.pooledIndex),
          };
          for (const name of expected.names()) {
            const variant = VARIANT.exec(name);
            if (!variant) continue;
            const index = clipPooledIndex(ids.data, ids.dims, Number(variant[2]));
            actual[name] = variant[1] === "pooled_index" ? indexTensor(index) : gatherRows(out.lastHiddenState, index);
          }
          const result = await compareExpected(c, expected, actual, c.weights.length > 1 ? id : undefined);
          comparisons.push(...result.comparisons);
          missing.push(...result.missing);
        } finally {
          await encoder.release();
        }
      }
      return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}, eos_token_id ${config.eosTokenId}`], missing));
    });
  },
};
