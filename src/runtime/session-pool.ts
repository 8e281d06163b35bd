/**
 * Sessions loaded on demand under a memory budget. Each component registers its estimated cost
 * in bytes and a loader; running it loads it when absent, first evicting the least recently used
 * idle components until it fits. A running component is never evicted. A component that does not
 * fit beside the running ones (or alone) is loaded anyway, and its load event says so.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { SessionReleasedError } from "./errors.js";
import type { RunnableSession, LazySession, SessionLoader } from "./runnable-session.js";
import type { RunResult } from "./runnable-session.js";

export interface PoolEvent {
  /** load: the loader ran; evict: dropped to make room; release: dropped by its owner or close(). */
  readonly kind: "load" | "evict" | "release";
  readonly component: string;
  /** The component's estimated cost at the time. */
  readonly bytes: number;
  /** How long the load (or release) took. */
  readonly ms: number;
  /** Estimated bytes of every loaded component after the event. */
  readonly residentBytes: number;
  /** load only: more than the budget is resident (nothing idle was left to evict). */
  readonly overBudget?: boolean;
}

export interface PoolHooks {
  /** Called just before a component's loader runs. */
  readonly onLoading?: (component: string) => void;
  /** Called with every event as it is recorded. */
  readonly onEvent?: (event: PoolEvent) => void;
}

/** A pool entry as its owner sees it: runs like a Session. */
export interface PooledSession extends RunnableSession {
  readonly component: string;
}

interface Entry {
  readonly name: string;
  bytes: number;
  readonly load: SessionLoader;
  session: RunnableSession | null;
  running: number;
  lastUsed: number;
  removed: boolean;
}

/** How many events `events` keeps (a long-running server loads and evicts at every edit). */
const RECENT_EVENTS = 256;

function checkBytes(name: string, bytes: number): number {
  if (!(bytes >= 0) || Number.isNaN(bytes))
    throw new InvalidArgumentError(`session pool: the cost of ${name} must be a number of bytes >= 0, got ${bytes}`);
  return bytes;
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly log: PoolEvent[] = [];
  private readonly watchers = new Set<(event: PoolEvent) => void>();
  private clock = 0;
  /** Loads, evictions and releases happen one at a time, in call order. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    readonly budgetBytes = Number.POSITIVE_INFINITY,
    private readonly hooks: PoolHooks = {},
  ) {
    if (!(budgetBytes > 0))
      throw new InvalidArgumentError(`session pool: the budget must be a positive number of bytes, got ${budgetBytes}`);
  }

  /** Adds a component; nothing is loaded until it runs (or preload()). */
  register(name: string, bytes: number, load: SessionLoader): PooledSession {
    if (this.entries.has(name)) throw new InvalidArgumentError(`session pool: a component named ${name} is already registered`);
    const entry: Entry = { name, bytes: checkBytes(name, bytes), load, session: null, running: 0, lastUsed: 0, removed: false };
    this.entries.set(name, entry);
    return {
      component: name,
      run: (feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<RunResult> => this.runOn(entry, feeds, outputs),
      release: () => this.remove(entry),
    };
  }

  /** register() in the shape a model's lazy entry point takes. */
  lazy(name: string, bytes: number): LazySession {
    return (load) => this.register(name, bytes, load);
  }

  /** Changes a component's estimated cost (e.g. its activations at another image size). */
  setBytes(name: string, bytes: number): void {
    const entry = this.entries.get(name);
    if (entry) entry.bytes = checkBytes(name, bytes);
  }

  /** The loaded components, least recently used first. */
  loaded(): string[] {
    return [...this.entries.values()]
      .filter((e) => e.session)
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .map((e) => e.name);
  }

  residentBytes(): number {
    let total = 0;
    for (const e of this.entries.values()) if (e.session) total += e.bytes;
    return total;
  }

  /** The most recent events (up to RECENT_EVENTS), oldest first. */
  get events(): readonly PoolEvent[] {
    return this.log;
  }

  /** Calls `listener` with every event from now on, until the returned function is called. */
  watch(listener: (event: PoolEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Loads the given components now (all, in registration order, by default), as a run would. */
  async preload(names: readonly string[] = [...this.entries.keys()]): Promise<void> {
    for (const name of names) {
      const entry = this.entries.get(name);
      if (!entry) throw new InvalidArgumentError(`session pool: no component named ${name}`);
      await this.acquire(entry);
      this.done(entry);
    }
  }

  /** Releases every component; the pool's sessions cannot run afterwards. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.remove(e)));
  }

  private async runOn(entry: Entry, feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<RunResult> {
    const session = await this.acquire(entry);
    try {
      return await session.run(feeds, outputs);
    } finally {
      this.done(entry);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Marks the entry running (so nothing evicts it) and loads it if absent, making room first. */
  private async acquire(entry: Entry): Promise<RunnableSession> {
    if (entry.removed) throw new SessionReleasedError(`component ${entry.name} was released: it can no longer run`);
    entry.running++;
    try {
      return await this.exclusive(async () => {
        if (entry.removed) throw new SessionReleasedError(`component ${entry.name} was released: it can no longer run`);
        const overBudget = await this.makeRoom(entry);
        if (!entry.session) {
          this.hooks.onLoading?.(entry.name);
          const started = performance.now();
          entry.session = await entry.load();
          this.record({
            kind: "load",
            component: entry.name,
            bytes: entry.bytes,
            ms: performance.now() - started,
            ...(overBudget ? { overBudget } : {}),
          });
        }
        entry.lastUsed = ++this.clock;
        return entry.session;
      });
    } catch (error) {
      entry.running--;
      throw error;
    }
  }

  private done(entry: Entry): void {
    entry.running--;
    if (entry.removed && entry.running === 0) void this.exclusive(() => this.drop(entry, "release"));
  }

  /** Evicts idle components, least recently used first, until `entry` fits; true when it still does not. */
  private async makeRoom(entry: Entry): Promise<boolean> {
    const fits = (): boolean => entry.bytes + this.residentBytes() - (entry.session ? entry.bytes : 0) <= this.budgetBytes;
    while (!fits()) {
      const idle = [...this.entries.values()].filter((e) => e !== entry && e.session && e.running === 0);
      const victim = idle.sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!victim) return true;
      await this.drop(victim, "evict");
    }
    return false;
  }

  private async drop(entry: Entry, kind: "evict" | "release"): Promise<void> {
    const session = entry.session;
    if (!session) return;
    entry.session = null;
    const started = performance.now();
    await session.release();
    this.record({ kind, component: entry.name, bytes: entry.bytes, ms: performance.now() - started });
  }

  private async remove(entry: Entry): Promise<void> {
    if (entry.removed) return;
    entry.removed = true;
    this.entries.delete(entry.name);
    if (entry.running === 0) await this.exclusive(() => this.drop(entry, "release"));
  }

  private record(event: Omit<PoolEvent, "residentBytes">): void {
    const full: PoolEvent = { ...event, residentBytes: this.residentBytes() };
    this.log.push(full);
    if (this.log.length > RECENT_EVENTS) this.log.shift();
    this.hooks.onEvent?.(full);
    for (const listener of this.watchers) listener(full);
  }
}
