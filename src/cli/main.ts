/** The icedit command line: dispatches to one module per command; all printing happens here. */
import { IceditError } from "../errors.js";
import { checkGoldenCommand } from "./check-golden.js";
import { convertCommand } from "./convert.js";
import { editCommand } from "./edit.js";
import { evalCommand } from "./eval.js";
import { evalDemoCommand } from "./eval-demo.js";
import { makeDemoModelCommand } from "./make-demo-model.js";
import { serveCommand } from "./serve.js";
import { makeTrainCommand } from "./train.js";
import { workerCommand } from "./worker.js";
import { processIO, UsageError, type CommandIO } from "./io.js";

type Command = (args: readonly string[], io: CommandIO) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  edit: { run: editCommand, summary: "edit an image by an instruction (ICEdit on FLUX.1 Fill)" },
  convert: { run: convertCommand, summary: "convert a model's transformer and T5 to int8/int4 weights once (cached)" },
  train: { run: makeTrainCommand(), summary: "train an ICEdit LoRA or LoRA-MoE adapter on your edit triplets" },
  "make-demo-model": {
    run: makeDemoModelCommand,
    summary: "write the tiny demo model (trained on a world of shapes; --random for random weights)",
  },
  eval: { run: evalCommand, summary: "score edits on MagicBrush, Emu Edit, the demo world or a folder (the paper's tables; resumable)" },
  "eval-demo": { run: evalDemoCommand, summary: "score held-out edits of the demo world's shapes (accuracy per instruction kind)" },
  serve: { run: serveCommand, summary: "serve the edit API and the web page, with a durable job queue" },
  worker: { run: workerCommand, summary: "run edit jobs from a Redis queue (for icedit serve --queue)" },
  "check-golden": { run: checkGoldenCommand, summary: "check icedit's numbers against golden reference vectors" },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return ["usage: icedit <command> [options]", "", "commands:", ...lines, "", "icedit <command> --help for a command's options"].join("\n");
}

export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`icedit: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`icedit ${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof IceditError) {
      io.err(`icedit ${name}: ${error.message}`);
      return 1;
    }
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      io.err(`icedit ${name}: ${error.message} (icedit ${name} --help)`);
      return 2;
    }
    throw error;
  }
}
