/**
 * A script entry (no npm run needed) that trains the demo VAE on scenes and saves it:
 *   node dist/src/demo/train-demo-vae-main.js OUT.safetensors [--steps N] [--size PX] [--batch B]
 *     [--lr LR] [--seed S] [--until HH:MM (UTC)] [--every N] [--init VAE.safetensors [--decoder-only | --latents PAIRS.safetensors]] [--panels N]
 * --init starts from a trained VAE (diffusers or BFL keys) instead of the seeded init; with
 * --decoder-only only the decoder learns, so the encoder's latent space, and a transformer trained
 * on it, stay valid (the shift and scale, measured on the encoder, come out the same).
 * --panels 2 trains on two scenes side by side (the 2:1 diptych an edit decodes) instead of one.
 * --latents PAIRS.safetensors (with --init) trains the decoder alone on the pairs that
 * edit-latents-main.js writes: a transformer's final edit latents ("latents") and the diptychs they
 * should decode to ("images"), so the decoder learns to turn the transformer's soft latents into
 * clean scenes.
 * writes OUT.safetensors (diffusers AutoencoderKL keys, as make-demo-model writes vae/) and
 * OUT.json (the diffusers vae/config.json with the measured shift and scale, and the run's record).
 */
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Vae } from "../components/vae/vae.js";
import { InvalidArgumentError } from "../errors.js";
import { diffusersVaeConfig } from "../models/vae/diffusers-config.js";
import { Engine } from "../runtime/engine.js";
import {
  HELD_OUT_FIRST_SEED,
  type LatentPairs,
  measureLatentFactors,
  measureReconstruction,
  sceneBatch,
  trainDemoVae,
} from "../train/vae/index.js";
import type { Tensor } from "../tensor.js";
import { convertVae, vaeBflView } from "../weights/layouts/vae-view.js";
import { openWeights } from "../weights/open-weights.js";
import { memorySource } from "../weights/memory-source.js";
import { writeSafetensors } from "../weights/safetensors/writer.js";
import { DEMO_VAE } from "./make-demo-model.js";

const USAGE =
  "usage: node dist/src/demo/train-demo-vae-main.js OUT.safetensors [--steps N] [--size PX] [--batch B] [--lr LR] [--seed S] [--until HH:MM] [--every N] [--init VAE.safetensors [--decoder-only | --latents PAIRS.safetensors]] [--panels N]";
const HELD_OUT = 32;

function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, got ${value}\n${USAGE}`);
  return n;
}

/** "HH:MM" today, UTC -> a signal that aborts then. */
function deadline(until: string | undefined): AbortSignal | undefined {
  if (until === undefined) return undefined;
  const m = /^(\d\d):(\d\d)$/.exec(until);
  if (!m) throw new InvalidArgumentError(`--until must be HH:MM (UTC), got ${until}`);
  const at = new Date();
  at.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
  return AbortSignal.timeout(Math.max(0, at.getTime() - Date.now()));
}

/** A trained VAE file (diffusers or BFL keys) -> its weights by BFL key, as f32. */
async function initWeights(path: string): Promise<Map<string, Tensor<"f32">>> {
  const view = vaeBflView(await openWeights(path));
  const weights = new Map<string, Tensor<"f32">>();
  try {
    for (const name of view.names()) weights.set(name, await view.readF32(name));
  } finally {
    await view.close();
  }
  return weights;
}

/** A pairs file -> its latents [N, z, h, w] and images [N, in, H, W] (trainDemoVae checks the shapes). */
async function latentPairs(path: string): Promise<LatentPairs> {
  const source = await openWeights(path);
  try {
    const names = source.names();
    if (!names.includes("latents") || !names.includes("images"))
      throw new InvalidArgumentError(`--latents ${path} must hold the tensors "latents" and "images", got ${names.join(", ")}\n${USAGE}`);
    return { latents: await source.readF32("latents"), images: await source.readF32("images") };
  } finally {
    await source.close();
  }
}

export async function runTrainDemoVae(args: readonly string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...Object.fromEntries(
        ["steps", "size", "batch", "lr", "seed", "until", "every", "init", "panels", "latents"].map((k) => [
          k,
          { type: "string" as const },
        ]),
      ),
      "decoder-only": { type: "boolean" as const },
    },
  });
  const out = positionals[0];
  if (out === undefined || positionals.length !== 1 || !out.endsWith(".safetensors")) throw new InvalidArgumentError(USAGE);
  const v = values as Record<string, string | undefined>;
  const [steps, size, batch, lr, seed, every, panels] = [
    num(v["steps"], "steps", 100_000),
    num(v["size"], "size", 64),
    num(v["batch"], "batch", 8),
    num(v["lr"], "lr", 1e-3),
    num(v["seed"], "seed", 0),
    num(v["every"], "every", 50),
    num(v["panels"], "panels", 1),
  ];
  for (const flag of ["decoder-only", "latents"])
    if ((values as Record<string, unknown>)[flag] !== undefined && v["init"] === undefined)
      throw new InvalidArgumentError(`--${flag} needs --init VAE.safetensors\n${USAGE}`);
  const pairs = v["latents"] === undefined ? undefined : await latentPairs(v["latents"]);
  const initialWeights = v["init"] === undefined ? undefined : await initWeights(v["init"]);
  const engine = new Engine();
  const started = Date.now();
  const curve: [number, number][] = [];
  let window: number[] = [];
  let lastStep = 0;
  try {
    const weights = await trainDemoVae({
      seed,
      steps,
      size,
      batch,
      lr,
      panels,
      engine,
      initialWeights,
      latentPairs: pairs,
      train: values["decoder-only"] ? "decoder" : undefined,
      signal: deadline(v["until"]),
      onStep: (r) => {
        window.push(r.loss);
        lastStep = r.step;
        if (r.step === 1 || r.step % every === 0) {
          const avg = window.reduce((a, b) => a + b, 0) / window.length;
          curve.push([r.step, avg]);
          const secs = ((Date.now() - started) / 1000).toFixed(0);
          console.log(
            `step ${r.step} loss ${avg.toFixed(5)} (mean of ${window.length}) mse ${r.mse.toFixed(5)} kl ${r.kl.toFixed(3)} ${secs}s`,
          );
          window = [];
        }
      },
    });
    const trainSeconds = (Date.now() - started) / 1000;
    const vae = await Vae.open(engine, { params: DEMO_VAE, weights: memorySource(weights) });
    const heldOut = sceneBatch(
      Array.from({ length: HELD_OUT }, (_, i) => HELD_OUT_FIRST_SEED + i),
      size,
    );
    const factors = await measureLatentFactors(
      vae,
      sceneBatch(
        Array.from({ length: HELD_OUT }, (_, i) => 2 * HELD_OUT_FIRST_SEED + i),
        size,
      ),
    );
    const recon = await measureReconstruction(vae, heldOut);
    const pairRecon =
      panels === 1
        ? undefined
        : await measureReconstruction(
            vae,
            sceneBatch(
              Array.from({ length: HELD_OUT * panels }, (_, i) => HELD_OUT_FIRST_SEED + HELD_OUT + i),
              size,
              panels,
            ),
          );
    await vae.release();
    await writeSafetensors(out, await convertVae(memorySource(weights), "diffusers"), { format: "pt" });
    const record = {
      steps: lastStep,
      size,
      batch,
      lr,
      seed,
      panels,
      trainSeconds,
      curve,
      heldOutScenes: HELD_OUT,
      reconstruction: recon,
      ...(pairRecon === undefined ? {} : { panelsReconstruction: pairRecon }),
      ...(pairs === undefined ? {} : { latentPairs: { file: v["latents"], count: pairs.latents.dims[0] } }),
      factors,
    };
    const config = diffusersVaeConfig({ ...DEMO_VAE, ...factors });
    await writeFile(out.replace(/\.safetensors$/, ".json"), `${JSON.stringify({ config, record }, null, 2)}\n`);
    const onPairs =
      pairs === undefined
        ? ""
        : ` on ${pairs.latents.dims[0]} latent pairs (mean loss ${curve[0]?.[1].toFixed(5)} at step 1, ${curve.at(-1)?.[1].toFixed(5)} at the end)`;
    return `trained ${record.steps} steps${onPairs} in ${trainSeconds.toFixed(0)} s; held-out mean abs error ${recon.meanAbs.toFixed(2)}/255, PSNR ${recon.psnr.toFixed(2)} dB${pairRecon === undefined ? "" : ` (${panels} scenes side by side: ${pairRecon.meanAbs.toFixed(2)}/255, ${pairRecon.psnr.toFixed(2)} dB)`}; shift ${factors.shiftFactor}, scale ${factors.scaleFactor}`;
  } finally {
    await engine.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runTrainDemoVae(process.argv.slice(2)).then(
    (summary) => console.log(summary),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
