/** Every gradient rule icedit has, one registry (see gradient-registry.ts). */
import { GradientRegistry } from "../gradient-registry.js";
import { ACTIVATION_GRADIENTS } from "./activation.js";
import { CAST_GRADIENTS } from "./cast.js";
import { ELEMENTWISE_GRADIENTS } from "./elementwise.js";
import { MATH_GRADIENTS } from "./math.js";
import { NORMALIZATION_GRADIENTS } from "./normalization.js";

export const GRADIENTS: GradientRegistry = new GradientRegistry([
  ...ELEMENTWISE_GRADIENTS,
  ...ACTIVATION_GRADIENTS,
  ...MATH_GRADIENTS,
  ...CAST_GRADIENTS,
  ...NORMALIZATION_GRADIENTS,
]);
