/** Every gradient rule icedit has, one registry (see gradient-registry.ts). */
import { GradientRegistry } from "../gradient-registry.js";
import { ACTIVATION_GRADIENTS } from "./activation.js";
import { ATTENTION_GRADIENTS } from "./attention.js";
import { CAST_GRADIENTS } from "./cast.js";
import { ELEMENTWISE_GRADIENTS } from "./elementwise.js";
import { INDEXING_GRADIENTS } from "./indexing.js";
import { LAYOUT_GRADIENTS } from "./layout.js";
import { LINEAR_GRADIENTS } from "./linear.js";
import { MATH_GRADIENTS } from "./math.js";
import { NORMALIZATION_GRADIENTS } from "./normalization.js";
import { QUANT_GRADIENTS } from "./quant.js";
import { SLICE_GRADIENTS } from "./slice.js";
import { SPATIAL_GRADIENTS } from "./spatial.js";

export const GRADIENTS: GradientRegistry = new GradientRegistry([
  ...ELEMENTWISE_GRADIENTS,
  ...ACTIVATION_GRADIENTS,
  ...MATH_GRADIENTS,
  ...CAST_GRADIENTS,
  ...NORMALIZATION_GRADIENTS,
  ...LAYOUT_GRADIENTS,
  ...SLICE_GRADIENTS,
  ...INDEXING_GRADIENTS,
  ...LINEAR_GRADIENTS,
  ...ATTENTION_GRADIENTS,
  ...QUANT_GRADIENTS,
  ...SPATIAL_GRADIENTS,
]);
