/** The golden components icedit can check. Later work adds runners here. */
import type { ComponentRunner } from "./case-result.js";
import { fluxTransformerRunner } from "./components/flux-transformer.js";

export const RUNNERS: readonly ComponentRunner[] = [fluxTransformerRunner];

export function runnerFor(component: string): ComponentRunner | undefined {
  return RUNNERS.find((r) => r.component === component);
}
