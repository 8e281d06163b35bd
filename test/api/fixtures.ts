/** Suite fixtures for tests of the library: a temporary folder, the demo model made in it, a session opened and always closed. */
import { after, before } from "node:test";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession, makeDemoModel, type OpenOptions } from "icedit";

/** A folder of the suite's own, there from the suite's first test to its end (see `use`). */
export class SuiteFolder {
  #dir: string | undefined;

  constructor(private readonly prefix: string) {}

  get dir(): string {
    if (this.#dir === undefined) throw new Error(`the ${this.prefix} folder is made before the suite's tests; use it inside them`);
    return this.#dir;
  }

  /**
   * Registers hooks of the current suite: before its tests, make the folder and run `setUp`; after
   * them, run `tearDown` and remove the folder with all it holds.
   */
  use(setUp: (dir: string) => Promise<unknown> = async () => {}, tearDown: () => Promise<unknown> = async () => {}): this {
    before(async () => {
      this.#dir = await mkdtemp(join(tmpdir(), this.prefix));
      await setUp(this.#dir);
    });
    after(async () => {
      try {
        await tearDown();
      } finally {
        if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
      }
    });
    return this;
  }
}

/** A suite folder with the demo model in `model` and its example image in `image`. */
export class DemoModelFolder extends SuiteFolder {
  get model(): string {
    return join(this.dir, "demo");
  }

  get image(): string {
    return join(this.model, "example.png");
  }
}

/** The demo model in a suite folder, and a session on it. */
export class DemoSessionFolder extends DemoModelFolder {
  #session: IceditSession | undefined;

  get session(): IceditSession {
    if (this.#session === undefined) throw new Error("the session is opened before the suite's tests; use it inside them");
    return this.#session;
  }

  async open(options: Omit<OpenOptions, "model">): Promise<void> {
    this.#session = await IceditSession.open({ ...options, model: this.model });
  }

  async close(): Promise<void> {
    await this.#session?.close();
  }
}

/** A temporary folder for the current suite's tests. */
export function useTempFolder(prefix: string): SuiteFolder {
  return new SuiteFolder(prefix).use();
}

/**
 * Makes `folder` as `make(folder)` would: with ICEDIT_TEST_FIXTURES set (scripts/run-tests.js sets
 * it to a folder of the run's own), `make` runs once per test run under `key` and each call copies
 * that folder; without it, `make` runs every time. Use only for deterministic makers.
 */
export async function sharedFixture(key: string, folder: string, make: (dir: string) => Promise<unknown>): Promise<void> {
  const shared = process.env["ICEDIT_TEST_FIXTURES"];
  if (shared === undefined || shared === "") {
    await make(folder);
    return;
  }
  const kept = join(shared, key);
  if (!existsSync(kept)) {
    // Made aside, then renamed into place: a folder under `key` is always complete.
    const building = await mkdtemp(join(shared, `${key}.building-`));
    try {
      await make(join(building, key));
      await rename(join(building, key), kept).catch((error: unknown) => {
        if (!existsSync(kept)) throw error; // another file of the run made it first: theirs is the same
      });
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }
  await cp(kept, folder, { recursive: true });
}

/** The random-weight demo model (seeded, so the same in every suite) made by the library, shared by the run's suites. */
export function makeRandomDemoModel(model: string): Promise<void> {
  return sharedFixture("demo-random", model, (dir) => makeDemoModel(dir, { weights: "random" }));
}

/** The FLUX.1 Kontext demo model (random weights, seeded) made by the library, shared by the run's suites. */
export function makeKontextDemoModel(model: string): Promise<void> {
  return sharedFixture("demo-kontext", model, (dir) => makeDemoModel(dir, { kind: "kontext" }));
}

/** The random-weight demo model in a folder of the current suite, made by the library unless `make` is given. */
export function useDemoModel(prefix: string, make: (model: string) => Promise<unknown> = makeRandomDemoModel): DemoModelFolder {
  const folder = new DemoModelFolder(prefix);
  return folder.use(() => make(folder.model));
}

/** The demo model in a folder of the current suite and a session on it opened with `options`, closed after the suite's tests. */
export function useDemoSession(prefix: string, options: Omit<OpenOptions, "model">): DemoSessionFolder {
  const folder = new DemoSessionFolder(prefix);
  const setUp = async (): Promise<void> => {
    await makeRandomDemoModel(folder.model);
    await folder.open(options);
  };
  return folder.use(setUp, () => folder.close());
}

/** Opens a session, gives it to `use`, and closes it however `use` ends. */
export async function withSession<T>(options: OpenOptions, use: (session: IceditSession) => Promise<T>): Promise<T> {
  const session = await IceditSession.open(options);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
