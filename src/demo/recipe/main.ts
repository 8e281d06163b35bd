/**
 * `npm run demo:train`: trains the demo model from the seed and writes it into assets/demo/:
 *   node dist/src/demo/recipe/main.js [--work DIR] [--from STAGE] [--assets DIR]
 * The stages and their numbers are DEMO_RECIPE (plan.ts); each stage's command, time and result
 * go into assets/demo/recipe.json.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { IceditError } from "../../errors.js";
import { DEMO_RECIPE } from "./plan.js";
import { runRecipe } from "./run-recipe.js";

export async function runDemoRecipe(args: readonly string[]): Promise<string> {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ args: [...args], options: { work: text, from: text, assets: text } });
  const recipe = await runRecipe({
    plan: DEMO_RECIPE,
    work: values.work ?? "demo-train",
    from: values.from,
    assets: values.assets,
    onLine: (stage, line) => console.log(`[${stage}] ${line}`),
  });
  return recipe.stages.map((s) => `${s.name}: ${s.seconds} s\n  ${s.result.split("\n").join("\n  ")}`).join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runDemoRecipe(process.argv.slice(2)).then(
    (summary) => console.log(summary),
    (error: unknown) => {
      console.error(error instanceof IceditError ? error.message : error);
      process.exitCode = 1;
    },
  );
}
