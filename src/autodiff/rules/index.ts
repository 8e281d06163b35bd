/** Every gradient rule icedit has, one registry (see gradient-registry.ts). */
import { GradientRegistry } from "../gradient-registry.js";
import { ATTENTION_GRADIENTS } from "./attention.js";
import { ELEMENTWISE_GRADIENTS } from "./elementwise.js";
import { LINEAR_GRADIENTS } from "./linear.js";
import { QUANT_GRADIENTS } from "./quant.js";

export const GRADIENTS: GradientRegistry = new GradientRegistry([
  ...ELEMENTWISE_GRADIENTS,
  ...LINEAR_GRADIENTS,
  ...ATTENTION_GRADIENTS,
  ...QUANT_GRADIENTS,
]);
