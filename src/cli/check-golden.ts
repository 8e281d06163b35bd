/** `icedit check-golden <dir> [--only c1,c2] [--require all]` */
import { formatCaseLine, formatComparisons } from "../golden/case-result.js";
import { checkGolden, summaryLine } from "../golden/check.js";
import { UsageError, type CommandIO } from "./io.js";
import { parseCommandArgs } from "./parse-command.js";

export const CHECK_GOLDEN_USAGE = `usage: icedit check-golden <dir> [--only component,...] [--require all]
  Runs every golden case of <dir>/manifest.json that icedit supports and prints
  PASS|FAIL|SKIP <case> max_abs_err=<x> worst=<tensor> per case, then "N passed, N failed".
  --only       comma-separated components (e.g. flux-transformer)
  --require    "all": a skipped case also fails the check
  --verbose    also print every compared tensor`;

export async function checkGoldenCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      only: { type: "string" },
      require: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    },
    CHECK_GOLDEN_USAGE,
    io,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`check-golden takes one directory\n${CHECK_GOLDEN_USAGE}`);
  if (values.require !== undefined && values.require !== "all") throw new UsageError(`--require takes only "all", got "${values.require}"`);
  const only = values.only
    ? values.only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  const summary = await checkGolden(dir, {
    only,
    requireAll: values.require === "all",
    onResult: (result) => {
      io.out(formatCaseLine(result));
      if (values.verbose) for (const line of formatComparisons(result)) io.out(line);
    },
  });
  io.out(summaryLine(summary));
  return summary.ok ? 0 : 1;
}
