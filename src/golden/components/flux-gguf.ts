/**
 * Golden component "flux-transformer-gguf": the transformer read from a community GGUF file
 * (weights = [GGUF file]), every tensor dequantized exactly to float32, then run exactly as the
 * "flux-transformer" cases on the inputs of the float32 case it shares.
 */
import { FluxTransformer } from "../../components/flux/transformer.js";
import { openGguf } from "../../weights/gguf/index.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";
import { fluxParamsOf, hostTensors, readFluxCall } from "./flux-transformer.js";
import { compareExpected, withCaseFiles } from "../case-io.js";

export const fluxGgufRunner: ComponentRunner = {
  component: "flux-transformer-gguf",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const params = fluxParamsOf(env.manifest, c);
    const id = c.weights[0];
    const entry = id === undefined ? undefined : env.manifest.weights[id];
    if (!entry || c.weights.length !== 1) {
      throw new GoldenManifestError(`case ${c.name}: weights must be [one GGUF file in the manifest], got [${c.weights.join(", ")}]`);
    }
    const weights = await openGguf(env.manifest.path(entry.file));
    try {
      return await withCaseFiles(env, c, async (inputs, expected) => {
        const call = await readFluxCall(inputs);
        // Every expected name is asked for; the graph returns those it has (intermediates), hostTensors the rest.
        const taps = expected.names().filter((n) => n !== "out");
        const transformer = await FluxTransformer.open(env.engine, { weights, params, taps });
        const result = await transformer.forward(call);
        await transformer.release();
        const actual = { ...hostTensors(params, call), ...result.taps, out: result.out };
        const types = new Map<string, number>();
        for (const name of weights.names()) {
          const type = weights.entry(name).ggmlType;
          types.set(type, (types.get(type) ?? 0) + 1);
        }
        const typeText = [...types].map(([t, n]) => `${n} ${t}`).join(", ");
        const { comparisons } = await compareExpected(c, expected, actual);
        return summarize(c.name, comparisons, `weights ${id} (${typeText}, dequantized to float32)`);
      });
    } finally {
      await weights.close();
    }
  },
};
