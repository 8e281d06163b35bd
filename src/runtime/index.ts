export * from "./errors.js";
export * from "./engine.js";
export * from "./session.js";
export * from "./runnable-session.js";
export * from "./session-pool.js";
export type { ExecutionProvider, OptimizationLevel, SessionSettings } from "./protocol.js";
