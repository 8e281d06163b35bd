/**
 * Set-ups the server suites share, each with one `close()` that undoes it: a temp dir, a temp dir
 * holding the demo model, an in-process server on it, and child `icedit serve` processes.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer, type ServeOptions } from "../../src/server/server.js";
import { appFixture, type AppFixture, type AppFixtureOptions } from "./app-fixture.js";
import { startJudgeServer, type JudgeServer } from "../vlm/judge-server.js";
import { type Child, demoModel, serveChild } from "./helpers.js";
import type { DemoWeights } from "../../src/demo/make-demo-model.js";

export interface Closable {
  close(): Promise<void>;
}

export interface TempDir extends Closable {
  /** close() removes it and all in it. */
  readonly path: string;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, close: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Inside describe(): makes a fixture before the suite's tests and closes it after them; returns a
 * getter for it. Hooks run in the order they are registered: register this one first where later
 * hooks use the fixture, and only where nothing else must be cleaned up before it is closed.
 */
export function forSuite<T extends Closable>(make: () => Promise<T>): () => T {
  let made: T | undefined;
  before(async () => {
    made = await make();
  });
  after(async () => made?.close());
  return () => {
    if (made === undefined) throw new Error("a suite's fixture is made before its tests: use it inside them");
    return made;
  };
}

/** Inside describe(): a temp dir for the suite's tests; returns `inDir(...parts)`, a path in it (`inDir()`: the dir). */
export function suiteTempDir(prefix: string): (...parts: string[]) => string {
  const dir = forSuite(() => tempDir(prefix));
  return (...parts) => join(dir().path, ...parts);
}

/** `make()`; if it fails, `cleanUp()` and the error again. */
async function orCleanUp<T>(make: () => Promise<T>, cleanUp: () => Promise<void>): Promise<T> {
  try {
    return await make();
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** A close() that runs the steps one after another. */
function closeInTurn(...steps: ReadonlyArray<() => Promise<void>>): () => Promise<void> {
  return async () => {
    for (const step of steps) await step();
  };
}

/** HTTP apps (appFixture) in one temp dir, each with a data dir of its own; close() closes them all and removes the dir. */
export class TempApps {
  private readonly open: AppFixture[] = [];

  private constructor(readonly root: string) {}

  static async create(prefix: string): Promise<TempApps> {
    return new TempApps(await mkdtemp(join(tmpdir(), prefix)));
  }

  async start(options: AppFixtureOptions = {}): Promise<AppFixture> {
    const fixture = await appFixture(join(this.root, `data-${this.open.length}`), options);
    this.open.push(fixture);
    return fixture;
  }

  async close(): Promise<void> {
    for (const fixture of this.open) await fixture.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

export interface DemoDir extends Closable {
  /** The temp dir: the model is in `demo/`, a server's data goes in `data/`. */
  readonly dir: string;
  readonly model: string;
  readonly dataDir: string;
  /** `--data-dir <dataDir> --model <model>`, for `icedit serve`. */
  readonly serveArgs: readonly string[];
}

/** A temp dir with the demo model in it (random weights unless `weights` says "trained"). */
export async function demoDir(prefix: string, weights: DemoWeights = "random"): Promise<DemoDir> {
  const temp = await tempDir(prefix);
  const model = await orCleanUp(() => demoModel(join(temp.path, "demo"), weights), temp.close);
  const dataDir = join(temp.path, "data");
  return { dir: temp.path, model, dataDir, serveArgs: ["--data-dir", dataDir, "--model", model], close: temp.close };
}

export interface DemoServer extends DemoDir {
  readonly server: RunningServer;
  readonly url: string;
}

/** `startServer` on a free loopback port, running the demo model, with its data in a temp dir; close() stops it and removes the dir. */
export async function demoServer(
  prefix: string,
  options: Omit<ServeOptions, "port" | "dataDir" | "session"> = {},
  weights: DemoWeights = "random",
): Promise<DemoServer> {
  const demo = await demoDir(prefix, weights);
  const server = await orCleanUp(
    () => startServer({ port: 0, dataDir: demo.dataDir, session: { model: demo.model }, ...options }),
    demo.close,
  );
  return { ...demo, server, url: server.url, close: closeInTurn(() => server.close(), demo.close) };
}

export interface DemoServerWithJudge extends DemoServer {
  /** A fake OpenAI-compatible judge serving the model "judge-vl"; its requests are recorded. */
  readonly judge: JudgeServer;
}

/** demoServer with noise selection on, judged by a local fake judge; close() stops both. */
export async function demoServerWithJudge(prefix: string): Promise<DemoServerWithJudge> {
  const judge = await startJudgeServer(["judge-vl"]);
  const settings = { kind: "openai", url: `${judge.url}/v1`, model: "judge-vl" } as const;
  const demo = await orCleanUp(
    () => demoServer(prefix, { judge: settings }),
    () => judge.close(),
  );
  return { ...demo, judge, close: closeInTurn(demo.close, () => judge.close()) };
}

/** `icedit serve` child processes a suite starts; close() stops them all. */
export class ChildServers {
  readonly children: Child[] = [];

  async start(args: readonly string[], env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
    const started = await serveChild(args, env);
    this.children.push(started.child);
    return started;
  }

  /** Counts a child started some other way (a worker), so that close() stops it too. */
  add(child: Child): Child {
    this.children.push(child);
    return child;
  }

  /** Stops every child (those already stopped are passed over). */
  async close(): Promise<void> {
    for (const child of this.children) await child.stop();
  }
}

/** kill -9: the child dies at once, as in a crash. */
export async function crash(child: Child): Promise<void> {
  child.kill("SIGKILL");
  assert.equal((await child.exited).signal, "SIGKILL");
}

/** The bytes at a URL that must answer 200. */
export async function bytesOf(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status} ${response.status === 200 ? "" : await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

export interface DemoChildServers extends DemoDir {
  readonly servers: ChildServers;
}

/** demoDir with `icedit serve` children on it; close() stops the children, then removes the dir. */
export async function demoChildServers(prefix: string): Promise<DemoChildServers> {
  const demo = await demoDir(prefix);
  const servers = new ChildServers();
  return { ...demo, servers, close: closeInTurn(() => servers.close(), demo.close) };
}
