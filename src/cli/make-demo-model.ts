/** `icedit make-demo-model <dir>`: writes the tiny random FLUX.1 Fill model used by tests and the README. */
import { join } from "node:path";
import { makeDemoModel } from "../demo/make-demo-model.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandArgs } from "./parse-command.js";
import { intOption } from "./options.js";

export const MAKE_DEMO_USAGE = `usage: icedit make-demo-model <dir> [--seed N]

Writes a tiny FLUX.1 Fill model with RANDOM weights into <dir>, in the diffusers folder layout of
black-forest-labs/FLUX.1-Fill-dev (all components, sharded weights, both tokenizers), plus
ICEdit-format LoRA and MoE-LoRA files and an example image. Edits made with it are noise: it exists
so that icedit can run end to end (and be tested) without the 30 GB of real weights.

  --seed N     seed of the random weights    default: 1`;

export async function makeDemoModelCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, { seed: { type: "string" } }, MAKE_DEMO_USAGE, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`make-demo-model takes one folder\n${MAKE_DEMO_USAGE}`);
  const report = await makeDemoModel(dir, intOption("seed", values.seed, 1, 0));
  io.err(`wrote a demo model (random weights, ${report.files} files, ${(report.bytes / 2 ** 20).toFixed(1)} MB)`);
  io.err(`try: icedit edit --model ${dir} --image ${join(dir, "example.png")} --instruction "make the sky green"`);
  io.out(report.dir);
  return 0;
}
