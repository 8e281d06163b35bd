export { backward, gradients, type BackwardOptions, type Seed } from "./differentiate.js";
export type { NodeRange } from "./recompute.js";
export { GradientQuery, NotDifferentiableError, type GradientRule } from "./gradient-rule.js";
export { GradientRegistry, gradientEntries, type GradientEntry } from "./gradient-registry.js";
export { GRADIENTS } from "./rules/index.js";
