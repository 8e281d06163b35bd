/** Every gradient rule icedit has, one registry (see gradient-registry.ts). */
import { GradientRegistry } from "../gradient-registry.js";
import { ELEMENTWISE_GRADIENTS } from "./elementwise.js";

export const GRADIENTS: GradientRegistry = new GradientRegistry([...ELEMENTWISE_GRADIENTS]);
