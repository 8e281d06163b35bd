/** Suite fixtures for tests of the library: a temporary folder, the demo model made in it, a session opened and always closed. */
import { after, before } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IceditSession, makeDemoModel, type OpenOptions } from "icedit";

/** A folder of the suite's own, there from the suite's first test to its end. */
export interface TempFolder {
  readonly dir: string;
}

/** A suite folder with the demo model in `model` and its example image in `image`. */
export interface DemoModelFolder extends TempFolder {
  readonly model: string;
  readonly image: string;
}

/**
 * Makes a temporary folder before the current suite's tests and removes it, with all it holds, after them.
 * `setUp` runs once the folder is made; `tearDown` runs before it is removed.
 */
export function useTempFolder(
  prefix: string,
  setUp: (dir: string) => Promise<unknown> = async () => {},
  tearDown: () => Promise<unknown> = async () => {},
): TempFolder {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await setUp(dir);
  });
  after(async () => {
    try {
      await tearDown();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });
  return {
    get dir(): string {
      if (dir === undefined) throw new Error(`the ${prefix} folder is made before the suite's tests; use it inside them`);
      return dir;
    },
  };
}

/** useTempFolder with the demo model made in its `demo` folder, by the library unless `make` is given. */
export function useDemoModel(prefix: string, make: (model: string) => Promise<unknown> = makeDemoModel): DemoModelFolder {
  return demoModelFolder(useTempFolder(prefix, (dir) => make(join(dir, "demo"))));
}

/** The demo model in a suite folder and a session on it opened with `options`, closed after the suite's tests. */
export function useDemoSession(prefix: string, options: Omit<OpenOptions, "model">): DemoModelFolder & { readonly session: IceditSession } {
  let session: IceditSession | undefined;
  const setUp = async (dir: string): Promise<void> => {
    await makeDemoModel(join(dir, "demo"));
    session = await IceditSession.open({ ...options, model: join(dir, "demo") });
  };
  const folder = demoModelFolder(useTempFolder(prefix, setUp, async () => session?.close()));
  return {
    get dir(): string {
      return folder.dir;
    },
    get model(): string {
      return folder.model;
    },
    get image(): string {
      return folder.image;
    },
    get session(): IceditSession {
      if (session === undefined) throw new Error(`the ${prefix} session is opened before the suite's tests; use it inside them`);
      return session;
    },
  };
}

function demoModelFolder(folder: TempFolder): DemoModelFolder {
  return {
    get dir(): string {
      return folder.dir;
    },
    get model(): string {
      return join(folder.dir, "demo");
    },
    get image(): string {
      return join(folder.dir, "demo", "example.png");
    },
  };
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
