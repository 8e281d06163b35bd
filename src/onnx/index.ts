export * from "./graph.js";
export * from "./shape.js";
export * from "./model-proto.js";
export * as ops from "./ops/index.js";
