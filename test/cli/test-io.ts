/** A CommandIO that records what a command prints, and lets a test press Ctrl-C. */
import type { CommandIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

export interface Recorded {
  readonly io: CommandIO;
  readonly out: string[];
  readonly err: string[];
  /** Simulates Ctrl-C: calls the registered handlers. */
  interrupt(): void;
}

export function recordingIO(): Recorded {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Set<() => void>();
  const io: CommandIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    errRaw: (t) => err.push(t),
    tty: false,
    columns: 80,
    onInterrupt: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
  return { io, out, err, interrupt: () => handlers.forEach((h) => h()) };
}

export async function icedit(args: string[], recorded: Recorded = recordingIO()): Promise<{ code: number; out: string[]; err: string[] }> {
  const code = await main(args, recorded.io);
  return { code, out: recorded.out, err: recorded.err };
}
