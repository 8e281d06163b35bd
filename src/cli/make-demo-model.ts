/** `icedit make-demo-model <dir>`: writes the tiny demo FLUX.1 Fill model (trained, or random with --random) used by the README and the tests. */
import { join } from "node:path";
import { makeDemoModel } from "../demo/make-demo-model.js";
import { readTrainedDemo } from "../demo/trained-demo.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandArgs } from "./parse-command.js";
import { intOption } from "./options.js";

export const MAKE_DEMO_USAGE = `usage: icedit make-demo-model <dir> [--random [--seed N]] [--kontext [--seed N]]

Writes a tiny FLUX.1 Fill model into <dir>, in the diffusers folder layout of
black-forest-labs/FLUX.1-Fill-dev (all components, sharded weights, both tokenizers), plus
ICEdit-format LoRA and MoE-LoRA files and an example image.

By default the model is the one icedit trained on a small world of shapes (npm run demo:train):
it edits scenes of circles, squares and triangles by instructions such as "make the red circle
blue", "remove the green square", "make the background black" or "add a white triangle in the
top left corner". Its folder's icedit.json picks the LoRA-MoE adapter, width 64 and guidance 1.

  --random     seeded RANDOM weights instead: edits are noise (for testing the program end to end)
  --kontext    a tiny FLUX.1 Kontext [dev] instead (random weights, the diffusers layout of
               black-forest-labs/FLUX.1-Kontext-dev, no adapters): icedit edits with Kontext on it
  --seed N     seed of the random weights    default: 1`;

export async function makeDemoModelCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { seed: { type: "string" }, random: { type: "boolean" }, kontext: { type: "boolean" } },
    MAKE_DEMO_USAGE,
    io,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`make-demo-model takes one folder\n${MAKE_DEMO_USAGE}`);
  const kontext = values.kontext === true;
  const random = values.random === true || kontext;
  if (!random && values.seed !== undefined)
    throw new UsageError(`--seed sets the seed of --random weights; add --random\n${MAKE_DEMO_USAGE}`);
  const report = await makeDemoModel(
    dir,
    random ? { weights: "random", seed: intOption("seed", values.seed, 1, 0), kind: kontext ? "kontext" : "fill" } : { weights: "trained" },
  );
  const mb = (report.bytes / 2 ** 20).toFixed(1);
  if (kontext) {
    io.err(`wrote a FLUX.1 Kontext [dev] demo model (random weights, ${report.files} files, ${mb} MB)`);
    io.err(`try: icedit edit --model ${dir} --image ${join(dir, "example.png")} --instruction "make the sky green"`);
  } else if (random) {
    io.err(`wrote a demo model (random weights, ${report.files} files, ${mb} MB)`);
    io.err(`try: icedit edit --model ${dir} --image ${join(dir, "example.png")} --instruction "make the sky green"`);
  } else {
    const { recipe } = await readTrainedDemo();
    io.err(`wrote the trained demo model (${report.files} files, ${mb} MB)`);
    io.err(`try: icedit edit --model ${dir} --image ${join(dir, "example.png")} --instruction "${recipe.example.instruction}"`);
  }
  io.out(report.dir);
  return 0;
}
