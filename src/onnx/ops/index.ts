export * from "./constants.js";
export * from "./elementwise.js";
export * from "./tensor.js";
export * from "./linear.js";
export * from "./normalization.js";
export * from "./activation.js";
export * from "./attention.js";
export * from "./conv.js";
