export * from "./graph.js";
export * from "./shape.js";
export * from "./model-proto.js";
export * from "./op-schema.js";
export { OPS } from "./op-registry.js";
export * as ops from "./ops/index.js";
