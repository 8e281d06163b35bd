/** Every gradient rule icedit has, one registry (see gradient-registry.ts). */
import { GradientRegistry } from "../gradient-registry.js";
import { ELEMENTWISE_GRADIENTS } from "./elementwise.js";
import { INDEXING_GRADIENTS } from "./indexing.js";
import { LAYOUT_GRADIENTS } from "./layout.js";
import { SLICE_GRADIENTS } from "./slice.js";

export const GRADIENTS: GradientRegistry = new GradientRegistry([
  ...ELEMENTWISE_GRADIENTS,
  ...LAYOUT_GRADIENTS,
  ...SLICE_GRADIENTS,
  ...INDEXING_GRADIENTS,
]);
