/** A command's arguments: its own options plus -h/--help, which prints the usage and ends the command. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError, type CommandIO } from "./io.js";

type OptionTable = NonNullable<ParseArgsConfig["options"]>;

const HELP = { help: { type: "boolean", short: "h" } } as const;

type CommandConfig<O extends OptionTable> = { args: string[]; allowPositionals: true; options: O & typeof HELP };

/** What parseArgs gives for a command's options (typed per option, as node:util types it). */
export type ParsedCommand<O extends OptionTable> = ReturnType<typeof parseArgs<CommandConfig<O>>>;

/** The parsed options and positionals, or null when --help asked for the usage (printed on `io.out`). */
export function parseCommandArgs<O extends OptionTable>(
  args: readonly string[],
  options: O,
  usage: string,
  io: CommandIO,
): ParsedCommand<O> | null {
  const config: CommandConfig<O> = { args: [...args], allowPositionals: true, options: { ...options, ...HELP } };
  const parsed = parseArgs(config);
  if ((parsed.values as { help?: boolean }).help) {
    io.out(usage);
    return null;
  }
  return parsed;
}

/** Refuses positional arguments, for a command that takes none. */
export function refusePositionals(positionals: readonly string[], usage: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (options start with --)\n${usage}`);
}

/** The parsed options of a command that takes no positional arguments, or null after --help. */
export function parseCommandOptions<O extends OptionTable>(
  args: readonly string[],
  options: O,
  usage: string,
  io: CommandIO,
): ParsedCommand<O>["values"] | null {
  const parsed = parseCommandArgs(args, options, usage, io);
  if (!parsed) return null;
  refusePositionals(parsed.positionals, usage);
  return parsed.values;
}
