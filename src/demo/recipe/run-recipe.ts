/**
 * Runs the demo recipe stage by stage (each a child `node` process from the package root, its
 * output passed on), installs the VAE after its stage, and at the end writes the trained demo's
 * files (trained-demo.ts) into the assets folder: built beside it and renamed, so an interrupted
 * run leaves the last good assets. Each finished stage is recorded in <work>/stages.json, so a run
 * can go on from a later stage (`from`) with the earlier stages' records kept.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { IceditError } from "../../errors.js";
import { openWeights } from "../../weights/open-weights.js";
import { writeSafetensors } from "../../weights/safetensors/writer.js";
import { readAllF32 } from "../../weights/source.js";
import { inStoredDtype } from "../../weights/stored-dtype.js";
import { makeDemoModel } from "../make-demo-model.js";
import { sampleEditExample } from "../scenes/edit-example.js";
import { DEMO_ASSETS_DIR, type DemoRecipe, type RecipeStage, TRAINED_DEMO_FILES } from "../trained-demo.js";
import {
  type RecipePlan,
  finalAdapterFile,
  finalVaeFile,
  recipePaths,
  recipeStages,
  type StageSpec,
  vaeStageFile,
  vaeStages,
} from "./plan.js";

export class RecipeError extends IceditError {}

/** The package root (from dist/src/demo/recipe/). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface RecipeRunOptions {
  readonly plan: RecipePlan;
  /** The work folder (models, data, runs). */
  readonly work: string;
  /** Where the trained demo's files go (default: the package's assets/demo/). */
  readonly assets?: string;
  /** Skip the stages before this one (their records come from <work>/stages.json). */
  readonly from?: string;
  /** Each line a stage prints. */
  readonly onLine?: (stage: string, line: string) => void;
}

function runStage(stage: StageSpec, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...stage.args], { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const take = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split(/\r?\n|\r/)) {
        if (line.trim() === "") continue;
        lines.push(line);
        if (lines.length > 200) lines.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? 1, lines }));
  });
}

/** The stage's command line as recorded: node and its arguments, the work folder as $WORK. */
export function commandLine(stage: StageSpec, work: string): string {
  return ["node", ...stage.args].map((a) => a.split(work).join("$WORK")).join(" ");
}

/** The VAE stage's weights and config (with its measured latent factors) into the model folder. */
async function installVae(work: string, file: string): Promise<{ scalingFactor: number; shiftFactor: number }> {
  const p = recipePaths(work);
  const json = JSON.parse(await readFile(file.replace(/\.safetensors$/, ".json"), "utf8")) as {
    config: { scaling_factor: number; shift_factor: number };
  };
  await copyFile(file, join(p.model, "vae", "diffusion_pytorch_model.safetensors"));
  await writeFile(join(p.model, "vae", "config.json"), `${JSON.stringify(json.config, null, 2)}\n`);
  return { scalingFactor: json.config.scaling_factor, shiftFactor: json.config.shift_factor };
}

interface Progress {
  readonly stages: RecipeStage[];
}

async function readProgress(work: string): Promise<Progress> {
  const path = join(work, "stages.json");
  return existsSync(path) ? (JSON.parse(await readFile(path, "utf8")) as Progress) : { stages: [] };
}

/** The trained transformer's file into the assets, in the plan's dtype. */
async function shipTransformer(file: string, shipped: string, plan: RecipePlan): Promise<void> {
  const dtype = plan.transformerDtype ?? "f32";
  if (dtype === "f32") {
    await copyFile(file, shipped);
    return;
  }
  const source = await openWeights(file);
  try {
    await writeSafetensors(shipped, inStoredDtype(await readAllF32(source), dtype), { format: "pt" });
  } finally {
    await source.close();
  }
}

/** The trained demo's files into `assets`, replacing the folder in one rename. */
async function writeAssets(plan: RecipePlan, work: string, assets: string, stages: readonly RecipeStage[]): Promise<DemoRecipe> {
  const p = recipePaths(work);
  const vaeFile = finalVaeFile(plan, work);
  const vaeJson = JSON.parse(await readFile(vaeFile.replace(/\.safetensors$/, ".json"), "utf8")) as {
    config: { scaling_factor: number; shift_factor: number };
  };
  const example = sampleEditExample(plan.example.seed, undefined, { size: plan.example.size });
  const recipe: DemoRecipe = {
    seed: plan.seed,
    vae: { scalingFactor: vaeJson.config.scaling_factor, shiftFactor: vaeJson.config.shift_factor },
    edit: plan.edit,
    example: { seed: plan.example.seed, size: plan.example.size, instruction: example.instruction },
    stages,
  };
  const tmp = `${assets}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await shipTransformer(
    join(p.model, "transformer", "diffusion_pytorch_model.safetensors"),
    join(tmp, TRAINED_DEMO_FILES.transformer),
    plan,
  );
  await copyFile(vaeFile, join(tmp, TRAINED_DEMO_FILES.vae));
  await copyFile(finalAdapterFile(plan, work, "lora"), join(tmp, TRAINED_DEMO_FILES.lora));
  await copyFile(finalAdapterFile(plan, work, "moe"), join(tmp, TRAINED_DEMO_FILES.moe));
  await writeFile(join(tmp, TRAINED_DEMO_FILES.recipe), `${JSON.stringify({ ...recipe, plan }, null, 2)}\n`);
  await mkdir(dirname(assets), { recursive: true });
  await rm(assets, { recursive: true, force: true });
  await rename(tmp, assets);
  return recipe;
}

/** Runs the recipe; returns what it wrote into the assets folder. */
export async function runRecipe(options: RecipeRunOptions): Promise<DemoRecipe> {
  const work = resolve(options.work);
  const assets = resolve(options.assets ?? DEMO_ASSETS_DIR);
  const stages = recipeStages(options.plan, work);
  const start = options.from === undefined ? 0 : stages.findIndex((s) => s.name === options.from);
  if (start < 0) throw new RecipeError(`no stage "${options.from}": the stages are ${stages.map((s) => s.name).join(", ")}`);
  await mkdir(work, { recursive: true });
  const kept = (await readProgress(work)).stages.filter((r) => stages.findIndex((s) => s.name === r.name) < start);
  const done: RecipeStage[] = [...kept];
  for (const stage of stages.slice(start)) {
    const started = performance.now();
    const { code, lines } = await runStage(stage, (line) => options.onLine?.(stage.name, line));
    if (code !== 0) throw new RecipeError(`stage ${stage.name} failed (exit ${code}):\n${lines.slice(-10).join("\n")}`);
    if (stage.name === "vae") await installVae(work, recipePaths(work).vae);
    const vaeStage = vaeStages(options.plan).find((d) => d.name === stage.name);
    if (vaeStage !== undefined) await installVae(work, vaeStageFile(work, vaeStage));
    done.push({
      name: stage.name,
      command: commandLine(stage, work),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      result: lines.slice(-stage.tail).join("\n"),
    });
    await writeFile(join(work, "stages.json"), `${JSON.stringify({ stages: done }, null, 2)}\n`);
  }
  let recipe = await writeAssets(options.plan, work, assets, done);
  if (options.plan.evalCount > 0) {
    const p = recipePaths(work);
    await makeDemoModel(p.demo, { assets });
    const stage: StageSpec = {
      name: "eval",
      args: [
        "bin/icedit.js",
        "eval-demo",
        "--model",
        p.demo,
        "--count",
        String(options.plan.evalCount),
        "--configs",
        "vae,base,lora,moe,moe+select",
        "--out",
        p.eval,
      ],
      tail: 12,
    };
    const started = performance.now();
    const { code, lines } = await runStage(stage, (line) => options.onLine?.(stage.name, line));
    if (code !== 0) throw new RecipeError(`stage eval failed (exit ${code}):\n${lines.slice(-10).join("\n")}`);
    done.push({
      name: "eval",
      command: commandLine(stage, work),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      result: lines.slice(-stage.tail).join("\n"),
    });
    recipe = await writeAssets(options.plan, work, assets, done);
  }
  return recipe;
}
