/**
 * The kill test's child: trains the fakes in argv[2] with a checkpoint after every step and a
 * pause in every training step, so that the parent can SIGKILL it between checkpoints.
 */
import { fakeStep } from "./fakes.js";
import { runFake } from "./run-fake.js";

const out = process.argv[2];
if (!out) throw new Error("usage: kill-child.js OUT");
await runFake(out, { settings: { saveEvery: 1, keepCheckpoints: 10 }, step: fakeStep({ delayMs: 100 }) });
