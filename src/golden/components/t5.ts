/**
 * Golden component "t5-encoder": transformers T5EncoderModel(input_ids) without a mask, with every
 * weight file listed as an alternative (all must pass), plus the host-side bucket table; a case
 * with no weights checks the bucket function alone (inputs `relative_position`).
 * The config comes from the case's configs[...].hf_T5Config.
 */
import { relativePositionBucket, relativePositionBucketTable, type BucketSettings } from "../../models/t5/buckets.js";
import { t5ConfigFromHf, type T5Config } from "../../models/t5/config.js";
import { T5Encoder } from "../../components/text/t5.js";
import { tensor, type Tensor } from "../../tensor.js";
import type { TensorSource } from "../../weights/source.js";
import type { TensorComparison } from "../compare.js";
import type { GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { caseConfig, compareExpected, detailOf, readTyped, withCaseFiles, withWeights } from "../case-io.js";

export async function readIds(inputs: TensorSource, name = "input_ids"): Promise<Tensor<"i64">> {
  return readTyped(inputs, name, "i64");
}

function numberParam(c: GoldenCase, key: string, fallback: number): number {
  const v = c.params[key];
  return typeof v === "number" ? v : fallback;
}

/** The bucket function case: every expected `bucket*` tensor over the inputs' relative positions. */
async function runBucketCase(c: GoldenCase, env: GoldenEnv, config: T5Config): Promise<CaseResult> {
  return withCaseFiles(env, c, async (inputs, expected) => {
    const rel = await readIds(inputs, "relative_position");
    const base = {
      numBuckets: numberParam(c, "num_buckets", config.relativeAttentionNumBuckets),
      maxDistance: numberParam(c, "max_distance", config.relativeAttentionMaxDistance),
    };
    const defaultBidirectional = typeof c.params["bidirectional"] === "boolean" ? c.params["bidirectional"] : true;
    const actual: Record<string, Tensor> = {};
    for (const name of expected.names()) {
      if (!name.startsWith("bucket")) continue;
      const bidirectional = name.includes("unidirectional") ? false : name.includes("bidirectional") ? true : defaultBidirectional;
      const settings: BucketSettings = { ...base, bidirectional };
      actual[name] = tensor(
        "i64",
        rel.dims,
        BigInt64Array.from(rel.data, (n) => BigInt(relativePositionBucket(Number(n), settings))),
      );
    }
    const { comparisons, missing } = await compareExpected(c, expected, actual);
    return summarize(c.name, comparisons, detailOf([`buckets ${base.numBuckets}, max distance ${base.maxDistance}`], missing));
  });
}

const TAP = /^(embeddings|position_bias|block\d+_attn_out|block\d+_out)$/;

export const t5EncoderRunner: ComponentRunner = {
  component: "t5-encoder",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const config = t5ConfigFromHf(caseConfig(env.manifest, c, "hf_T5Config"));
    if (c.weights.length === 0) return runBucketCase(c, env, config);
    return withCaseFiles(env, c, async (inputs, expected) => {
      const ids = await readIds(inputs);
      const taps = expected.names().filter((n) => TAP.test(n));
      const length = ids.dims[1] as number;
      const settings = {
        bidirectional: true,
        numBuckets: config.relativeAttentionNumBuckets,
        maxDistance: config.relativeAttentionMaxDistance,
      };
      const comparisons: TensorComparison[] = [];
      const missing: string[] = [];
      for (const id of c.weights) {
        const encoder = await withWeights(env.manifest, id, (source) => T5Encoder.open(env.engine, { weights: source, config, taps }));
        try {
          const out = await encoder.forward(ids);
          const actual: Record<string, Tensor | undefined> = {
            ...out.taps,
            last_hidden_state: out.lastHiddenState,
            encoder_out: out.taps[`block${config.numLayers - 1}_out`],
            relative_position_bucket: tensor("i64", [length, length], relativePositionBucketTable(length, settings)),
          };
          const result = await compareExpected(c, expected, actual, c.weights.length > 1 ? id : undefined);
          comparisons.push(...result.comparisons);
          missing.push(...result.missing);
        } finally {
          await encoder.release();
        }
      }
      return summarize(c.name, comparisons, detailOf([`weights ${c.weights.join(",")}`], missing));
    });
  },
};
