/** The golden components icedit can check. Later work adds runners here. */
import type { ComponentRunner } from "./case-result.js";
import { fluxTransformerRunner } from "./components/flux-transformer.js";
import { fluxGgufRunner } from "./components/flux-gguf.js";
import { scheduleRunner } from "./components/schedule.js";
import { vaeRunner } from "./components/vae.js";
import { fillPipelineRunner, fillPrepareRunner } from "./components/fill.js";
import { torchRandnRunner } from "./components/torch-randn.js";
import { t5EncoderRunner } from "./components/t5.js";
import { clipTextRunner } from "./components/clip.js";
import { loraPeftRunner, moeLoraRunner } from "./components/lora.js";
import { loraTrainRunner } from "./components/lora-train.js";
import { clipModelRunner } from "./components/clip-model.js";
import { dinoVitRunner } from "./components/dino-vit.js";
import { editMetricsRunner } from "./components/edit-metrics.js";
import { kontextPipelineRunner, kontextResolutionRunner } from "./components/kontext.js";

export const RUNNERS: readonly ComponentRunner[] = [
  fluxTransformerRunner,
  fluxGgufRunner,
  scheduleRunner,
  vaeRunner,
  fillPrepareRunner,
  fillPipelineRunner,
  torchRandnRunner,
  t5EncoderRunner,
  clipTextRunner,
  loraPeftRunner,
  moeLoraRunner,
  loraTrainRunner,
  clipModelRunner,
  dinoVitRunner,
  editMetricsRunner,
  kontextResolutionRunner,
  kontextPipelineRunner,
];

export function runnerFor(component: string): ComponentRunner | undefined {
  return RUNNERS.find((r) => r.component === component);
}
