/**
 * npm run bench [-- section ...]: prints one JSON object with the sections run (all by default)
 * and short tables on standard error. Sections: transformer, vae, text, demo, selection, lora,
 * quant (all by default); fullsize, fullpipeline, train, profile, speed, kontext and external
 * only when named. Each runs in this process, one after another, so memory figures are cumulative
 * peaks.
 */
import { Engine } from "../src/runtime/engine.js";
import { benchTransformer } from "./transformer.js";
import { benchVae } from "./vae.js";
import { benchTextEncoders } from "./text-encoders.js";
import { benchDemoEdit } from "./demo-edit.js";
import { benchFullSize } from "./fullsize.js";
import { benchFullPipeline } from "./fullsize-pipeline.js";
import { benchNoiseSelection } from "./noise-selection.js";
import { benchLora } from "./lora.js";
import { benchQuant } from "./quant.js";
import { benchTrain } from "./train.js";
import { benchStepProfile } from "./step-profile.js";
import { benchSpeed } from "./speed.js";
import { benchKontextStep } from "./kontext-step.js";
import { benchExternalScenes } from "./external-scenes/compare.js";
import { machineBasics } from "./stats.js";
import { benchFlags } from "./flags.js";

type Section = (engine: Engine) => Promise<Record<string, unknown>>;

const SECTIONS: Readonly<Record<string, Section>> = {
  transformer: benchTransformer,
  vae: benchVae,
  text: benchTextEncoders,
  demo: () => benchDemoEdit(),
  selection: () => benchNoiseSelection(),
  lora: benchLora,
  quant: benchQuant,
};

/** Sections that only run when named (long, or heavy on disk). */
const OPT_IN: Readonly<Record<string, Section>> = {
  fullsize: benchFullSize,
  fullpipeline: () => benchFullPipeline(),
  train: benchTrain,
  profile: benchStepProfile,
  speed: benchSpeed,
  kontext: benchKontextStep,
  external: () => benchExternalScenes(),
};

async function main(): Promise<void> {
  const asked = benchFlags().sections;
  const all: Record<string, Section> = { ...SECTIONS, ...OPT_IN };
  const unknown = asked.filter((s) => !(s in all));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench section ${unknown.join(", ")}; sections: ${Object.keys(all).join(", ")}\n`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length > 0 ? asked : Object.keys(SECTIONS);
  const result: Record<string, unknown> = {
    machine: machineBasics(),
  };
  for (const name of names) {
    const engine = new Engine();
    const start = performance.now();
    try {
      result[name] = await (all[name] as Section)(engine);
    } catch (error) {
      result[name] = { error: error instanceof Error ? error.message : String(error) };
    } finally {
      await engine.close();
    }
    process.stderr.write(`bench ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
