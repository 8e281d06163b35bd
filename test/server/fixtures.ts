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
import { startJudgeServer, type JudgeServer } from "../vlm/judge-server.js";
import { type Child, demoModel, serveChild } from "./helpers.js";

export interface TempDir {
  readonly path: string;
  /** Removes the dir and all in it. */
  close(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, close: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Inside describe(): a temp dir made before the suite's tests and removed after them. Returns
 * `inDir(...parts)`, the path of `parts` in it (`inDir()`: the dir). Hooks run in the order they are
 * registered, so this is for suites with no other clean-up that needs the dir.
 */
export function suiteTempDir(prefix: string): (...parts: string[]) => string {
  let path: string | undefined;
  before(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (path !== undefined) await rm(path, { recursive: true, force: true });
  });
  return (...parts) => {
    if (path === undefined) throw new Error(`the temp dir ${prefix}* is made before the suite's tests: use it inside them`);
    return join(path, ...parts);
  };
}

export interface DemoDir {
  /** The temp dir: the model is in `demo/`, a server's data goes in `data/`. */
  readonly dir: string;
  readonly model: string;
  readonly dataDir: string;
  /** `--data-dir <dataDir> --model <model>`, for `icedit serve`. */
  readonly serveArgs: readonly string[];
  close(): Promise<void>;
}

/** A temp dir with the demo model in it. */
export async function demoDir(prefix: string): Promise<DemoDir> {
  const temp = await tempDir(prefix);
  try {
    const model = await demoModel(join(temp.path, "demo"));
    const dataDir = join(temp.path, "data");
    return { dir: temp.path, model, dataDir, serveArgs: ["--data-dir", dataDir, "--model", model], close: temp.close };
  } catch (error) {
    await temp.close();
    throw error;
  }
}

export interface DemoServer extends DemoDir {
  readonly server: RunningServer;
  readonly url: string;
}

/** `startServer` on a free loopback port, running the demo model, with its data in a temp dir; close() stops it and removes the dir. */
export async function demoServer(prefix: string, options: Omit<ServeOptions, "port" | "dataDir" | "session"> = {}): Promise<DemoServer> {
  const demo = await demoDir(prefix);
  let server: RunningServer;
  try {
    server = await startServer({ port: 0, dataDir: demo.dataDir, session: { model: demo.model }, ...options });
  } catch (error) {
    await demo.close();
    throw error;
  }
  return {
    ...demo,
    server,
    url: server.url,
    close: async () => {
      await server.close();
      await demo.close();
    },
  };
}

export interface DemoServerWithJudge extends DemoServer {
  /** A fake OpenAI-compatible judge serving the model "judge-vl"; its requests are recorded. */
  readonly judge: JudgeServer;
}

/** demoServer with noise selection on, judged by a local fake judge; close() stops both. */
export async function demoServerWithJudge(prefix: string): Promise<DemoServerWithJudge> {
  const judge = await startJudgeServer(["judge-vl"]);
  let demo: DemoServer;
  try {
    demo = await demoServer(prefix, { judge: { kind: "openai", url: `${judge.url}/v1`, model: "judge-vl" } });
  } catch (error) {
    await judge.close();
    throw error;
  }
  return {
    ...demo,
    judge,
    close: async () => {
      await demo.close();
      await judge.close();
    },
  };
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
  return {
    ...demo,
    servers,
    close: async () => {
      await servers.close();
      await demo.close();
    },
  };
}
