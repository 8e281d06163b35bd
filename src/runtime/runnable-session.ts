/**
 * What a model holds to run its graph: a Session loaded for good, or a pooled one that is loaded
 * on demand and may be evicted between runs (runtime/session-pool.ts). Both run and release alike.
 */
import type { Tensor } from "../tensor.js";

export interface RunResult {
  readonly outputs: Readonly<Record<string, Tensor>>;
  /** Time spent inside session.run, in milliseconds. */
  readonly ms: number;
}

export interface RunnableSession {
  run(feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<RunResult>;
  release(): Promise<void>;
}

/** Creates the session of one component, again after an eviction. */
export type SessionLoader = () => Promise<RunnableSession>;

/** Gives a component a session that is created by `load` when it is first run (a pool entry). */
export type LazySession = (load: SessionLoader) => RunnableSession;
