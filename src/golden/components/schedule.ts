/** Golden component "schedule": BFL get_schedule(n, L) for every (n, L) pair of the case. */
import { getSchedule } from "../../sampling/schedule.js";
import { tensor } from "../../tensor.js";
import { openSafetensors } from "../../weights/safetensors/open.js";
import { compareTensor, ruleFor, type TensorComparison } from "../compare.js";
import { GoldenManifestError, type GoldenCase } from "../manifest.js";
import { summarize, type CaseResult, type ComponentRunner, type GoldenEnv } from "../case-result.js";

function shiftOptions(params: Readonly<Record<string, unknown>>): { baseShift?: number; maxShift?: number; shift?: boolean } {
  const num = (key: string): number | undefined => (typeof params[key] === "number" ? (params[key] as number) : undefined);
  return {
    baseShift: num("base_shift"),
    maxShift: num("max_shift"),
    shift: typeof params["shift"] === "boolean" ? params["shift"] : undefined,
  };
}

export const scheduleRunner: ComponentRunner = {
  component: "schedule",
  async run(c: GoldenCase, env: GoldenEnv): Promise<CaseResult> {
    const expected = await openSafetensors(env.manifest.path(c.expected));
    try {
      const comparisons: TensorComparison[] = [];
      for (const name of expected.names()) {
        const match = /^schedule_(\d+)_(\d+)$/.exec(name);
        if (!match) throw new GoldenManifestError(`case ${c.name}: unexpected tensor ${name} (expected schedule_<steps>_<tokens>)`);
        const steps = Number(match[1]);
        const tokens = Number(match[2]);
        const actual = getSchedule(steps, tokens, shiftOptions(c.params));
        const e = await expected.readF32(name);
        comparisons.push(
          compareTensor(name, tensor("f32", [actual.length], actual), e, ruleFor(c.tolerance, name, { atol: 1e-6, rtol: 0 })),
        );
      }
      return summarize(c.name, comparisons);
    } finally {
      await expected.close();
    }
  },
};
