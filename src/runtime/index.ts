export * from "./errors.js";
export * from "./engine.js";
export * from "./session.js";
export type { ExecutionProvider, OptimizationLevel, SessionSettings } from "./protocol.js";
