/**
 * The recipe that trains the demo model, as numbers (RecipePlan) and as the command lines that run
 * it (recipeStages): every stage is a command a user could type, run from the package root, with
 * the recipe's work folder as `work`. ICEdit's recipe in miniature: a VAE trained as an
 * autoencoder, a FLUX Fill transformer trained from scratch as an in-painting model (on square
 * scenes, then on pairs of scenes side by side, then on pairs of one scene twice: the in-context
 * copying an edit builds on; never an edit), possibly again at a larger scene size after the
 * whole VAE is trained on at that size (more tokens of 16 px each), then `icedit train` for the
 * plain LoRA and the LoRA-MoE on edit triplets, exactly as a user runs it: each adapter in
 * phases, a phase going on from the one before's adapter (--init-adapter), possibly on a larger
 * set of triplets; last, the VAE's decoder fine-tuned on the LoRA-MoE's own edits (the encoder,
 * and so everything trained on its latents, unchanged).
 */
import { join } from "node:path";
import type { AdapterDtype } from "../../train/loop/index.js";
import type { LoraTargetSet } from "../../weights/lora/icedit-modules.js";
import type { StoredDtype } from "../../weights/stored-dtype.js";
import type { SceneLayout } from "../base/scene-dataset.js";

export interface BaseStagePlan {
  readonly kind: "base";
  /** The stage's name, and its run folder in the work folder. */
  readonly name: string;
  readonly layout: SceneLayout;
  readonly steps: number;
  readonly batch: number;
  /** Scenes: seeds firstSeed .. firstSeed + count - 1. */
  readonly firstSeed: number;
  readonly count: number;
  readonly lr: number;
  /** Start from the seeded init instead of the folder's transformer (the first stage). */
  readonly scratch: boolean;
  /** Side of a scene in pixels; absent: the plan's size. */
  readonly size?: number;
}

export interface VaeStagePlan {
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
  /** Side of a scene in pixels; absent: the plan's size. */
  readonly size?: number;
}

/** A stage that trains the VAE on, from the VAE of the trunk's VAE stage before (else the "vae" stage's). */
export interface VaeTuneStagePlan extends VaeStagePlan {
  readonly kind: "vae";
  /** The stage's name, and its file `<name>.safetensors` in the work folder. */
  readonly name: string;
  /** Scenes side by side in each training image: 1, or 2 for the 2:1 diptych an edit decodes. */
  readonly panels: number;
  /**
   * "decoder": the encoder frozen, so the latent space, and the base stages trained on it, stay;
   * "all": a new latent space, which the base stages after it adapt to (a change of scene size).
   */
  readonly train: "decoder" | "all";
}

/** A stage of the trunk: the VAE or the base trained on. */
export type TrunkStagePlan = VaeTuneStagePlan | BaseStagePlan;

/**
 * A stage that trains the VAE's decoder, from the VAE of the stage before (the encoder frozen), on
 * the LoRA-MoE's own edits: the final latents of `count` edits of training-range scenes from seed
 * `firstSeed` (edit-latents-main.js), each with the exact diptych it should decode to. The decoder
 * learns to turn the transformer's soft latents into clean scenes; it runs after the adapters.
 */
export interface EditDecoderStagePlan extends VaeStagePlan {
  /** The stage's name: `<name>.safetensors` (the VAE) and `<name>-pairs.safetensors` (its pairs) in the work folder. */
  readonly name: string;
  readonly firstSeed: number;
  readonly count: number;
}

/** One `icedit train` run of an adapter. */
export interface AdapterPhasePlan {
  /** The edit triplets it trains on: seeds 0 .. edits - 1, kinds balanced (the recipe's edit set of that size and addedSize). */
  readonly edits: number;
  /** The side of the shape its triplets add, of the width; absent: the generator's (ADDED_SHAPE_SIZE). */
  readonly addedSize?: number;
  readonly steps: number;
  readonly lr: number;
  /** icedit train --logit-mean (t = sigmoid(m + randn)); absent: ICEdit's sigmoid(randn). */
  readonly logitMean?: number;
  /** icedit train --lr-decay-steps (the lr decays linearly over the last N steps); absent: constant. */
  readonly lrDecaySteps?: number;
}

export interface AdapterStagePlan {
  readonly batch: number;
  readonly rank: number;
  /** icedit train --targets of the first phase (later ones adapt the modules of the file they start from); absent: ICEdit's. */
  readonly targets?: LoraTargetSet;
  /** icedit train --adapter-dtype of the last phase: the dtype of the shipped file; absent: f32. */
  readonly dtype?: AdapterDtype;
  /** In order: the first from a fresh init, each later one from the adapter of the one before. */
  readonly phases: readonly [AdapterPhasePlan, ...AdapterPhasePlan[]];
}

export interface RecipePlan {
  /** make-demo-model's seed: the random text encoders every stage trains against. */
  readonly seed: number;
  /** Side of a scene, and of each half of a diptych, in pixels: the edits' and the adapters' (and any stage's without its own). */
  readonly size: number;
  readonly vae: VaeStagePlan;
  /**
   * After "vae", in order: the VAE trained on and the base's in-painting stages, each from the
   * VAE or the transformer of the stage before (the first base stage from scratch).
   */
  readonly trunk: readonly TrunkStagePlan[];
  readonly lora: AdapterStagePlan;
  readonly moe: AdapterStagePlan & { readonly experts: number };
  /** After the adapters: the decoder trained on the LoRA-MoE's edits, in order, each from the one before; empty: none. */
  readonly editDecoder: readonly EditDecoderStagePlan[];
  /** The dtype the trained transformer is shipped in (assets/demo/transformer.safetensors); absent: f32. */
  readonly transformerDtype?: StoredDtype;
  /** Save a checkpoint every this many steps (base and adapters). */
  readonly saveEvery: number;
  /** Held-out edits of the final evaluation (0: none). */
  readonly evalCount: number;
  /** The example image: the scene of this seed (an edit example of sampleEditExample), at this side. */
  readonly example: { readonly seed: number; readonly size: number };
  /** The settings the model is trained for, and the true CFG scale it edits best with, written into its icedit.json. */
  readonly edit: { readonly width: number; readonly guidance: number; readonly trueCfgScale?: number };
}

/**
 * Both adapters': 16000 steps on 24000 triplets (the last 3000 decaying), then 12000 more (the last
 * 4000 decaying), then 6000 more at half the lr, decaying all the way; those three add shapes at
 * 0.25 of the width. Then 8000 more on 16000 triplets that add at the generator's size (0.30),
 * decaying all the way.
 */
const DEMO_ADAPTER_PHASES: AdapterStagePlan["phases"] = [
  { edits: 24000, addedSize: 0.25, steps: 16000, lr: 1e-3, logitMean: 1.5, lrDecaySteps: 3000 },
  { edits: 24000, addedSize: 0.25, steps: 12000, lr: 1e-3, logitMean: 1.5, lrDecaySteps: 4000 },
  { edits: 24000, addedSize: 0.25, steps: 6000, lr: 5e-4, logitMean: 1.5, lrDecaySteps: 6000 },
  { edits: 16000, steps: 8000, lr: 5e-4, logitMean: 1.5, lrDecaySteps: 8000 },
];

/** Both adapters' shape: ICEdit's modules and the double blocks' text stream, stored in bf16 (under 20 MB in all). */
const DEMO_ADAPTER = { batch: 8, rank: 64, targets: "icedit+text", dtype: "bf16", phases: DEMO_ADAPTER_PHASES } as const;

/** Every base stage's batch and number of scenes (8000 from its firstSeed). */
const SCENES_8000 = { batch: 8, count: 8000 } as const;

/** The recipe of the shipped demo (assets/demo/recipe.json records how it ran). */
export const DEMO_RECIPE: RecipePlan = {
  seed: 1,
  size: 128,
  vae: { steps: 1476, batch: 8, lr: 1e-3, seed: 0, size: 64 },
  trunk: [
    { kind: "vae", name: "vae-decoder", steps: 2903, batch: 8, lr: 3e-4, seed: 7, panels: 1, train: "decoder", size: 64 },
    { kind: "vae", name: "vae-pairs", steps: 3000, batch: 8, lr: 3e-4, seed: 11, panels: 2, train: "decoder", size: 64 },
    { kind: "vae", name: "vae-pairs-2", steps: 2500, batch: 8, lr: 1.5e-4, seed: 12, panels: 2, train: "decoder", size: 64 },
    { kind: "base", name: "base-square", layout: "square", steps: 5000, ...SCENES_8000, firstSeed: 0, lr: 3e-4, scratch: true, size: 64 },
    { kind: "base", name: "base-pair", layout: "pair", steps: 2000, ...SCENES_8000, firstSeed: 0, lr: 3e-4, scratch: false, size: 64 },
    { kind: "base", name: "base-copy", layout: "copy", steps: 4000, ...SCENES_8000, firstSeed: 8000, lr: 5e-4, scratch: false, size: 64 },
    // 128 px: 8x8 tokens per half instead of 4x4. The whole VAE (a new latent space), then the base again from the 64-px one.
    { kind: "vae", name: "vae-128", steps: 2028, batch: 4, lr: 3e-4, seed: 31, panels: 2, train: "all" },
    { kind: "base", name: "base128-square", layout: "square", steps: 1500, ...SCENES_8000, firstSeed: 0, lr: 3e-4, scratch: false },
    { kind: "base", name: "base128-pair", layout: "pair", steps: 1000, ...SCENES_8000, firstSeed: 0, lr: 3e-4, scratch: false },
    { kind: "base", name: "base128-copy", layout: "copy", steps: 5000, ...SCENES_8000, firstSeed: 8000, lr: 5e-4, scratch: false },
  ],
  lora: DEMO_ADAPTER,
  moe: { ...DEMO_ADAPTER, experts: 4 },
  // The decoder alone (the encoder, hence the latent space, the base and the adapters, unchanged) on
  // 4000 of the final LoRA-MoE's own edits of training-range scenes: 800 validation edits 86.4% -> 91.6%.
  editDecoder: [{ name: "edit-decoder", steps: 800, batch: 8, lr: 1e-4, seed: 41, firstSeed: 500_000, count: 4000 }],
  // bf16 halves the file (3.8 MB) at the same accuracy (the 64-px demo: 200 held-out edits, LoRA 55.0% either way, LoRA-MoE 56.0% against 54.0% in f32).
  transformerDtype: "bf16",
  saveEvery: 500,
  evalCount: 200,
  // The README's example: a scene (seeds from 3,000,000: no training, held-out or validation edit)
  // whose edit the shipped LoRA-MoE makes cleanly; 3,000,100's removal passed the rule but lost
  // the other circle too (a small shape is under 5% of the outside).
  example: { seed: 3_000_146, size: 128 },
  // trueCfgScale: the best of 1, 1.25, 1.5, 2, 2.5 and 3 on 200 validation edits (seeds from 2,000,000, not the
  // held-out ones) for the LoRA-MoE; 2.5 was the best at 64 px.
  edit: { width: 128, guidance: 1, trueCfgScale: 1.5 },
};

/** One stage: `node <args>` from the package root; `tail` lines of its output are its result. */
export interface StageSpec {
  readonly name: string;
  readonly args: readonly string[];
  readonly tail: number;
}

/** The folders and files of a recipe run inside `work`. */
export function recipePaths(work: string) {
  return {
    model: join(work, "model"),
    vae: join(work, "vae.safetensors"),
    demo: join(work, "demo"),
    eval: join(work, "eval"),
  };
}

/** An edit set of the recipe: `edits` triplets from seed 0, adding shapes of side `addedSize` (absent: the generator's). */
export type EditSetPlan = Pick<AdapterPhasePlan, "edits" | "addedSize">;

/** The recipe's edit sets (every phase's, each once), smallest first. */
export function editSets(plan: RecipePlan): EditSetPlan[] {
  const byName = new Map<string, EditSetPlan>();
  for (const { edits, addedSize } of [...plan.lora.phases, ...plan.moe.phases])
    byName.set(editSetName({ edits, addedSize }), { edits, addedSize });
  return [...byName.entries()].sort(([a, x], [b, y]) => x.edits - y.edits || a.localeCompare(b)).map(([, set]) => set);
}

/** The stage that makes an edit set, and its folder in `work`: edits-24000, or edits-24000-add0.25 with its own added size. */
export function editSetName(set: EditSetPlan): string {
  return set.addedSize === undefined ? `edits-${set.edits}` : `edits-${set.edits}-add${set.addedSize}`;
}

/** The stage (and run folder in `work`) of an adapter's phase: lora, lora-2, ...; moe, moe-2, ... */
export function adapterPhaseName(kind: "lora" | "moe", phase: number): string {
  return phase === 0 ? kind : `${kind}-${phase + 1}`;
}

/** The adapter file a phase's run writes. */
function phaseAdapterFile(work: string, kind: "lora" | "moe", phase: number): string {
  return join(work, adapterPhaseName(kind, phase), "adapter.safetensors");
}

/** The adapter file the recipe ends with for `kind`: its last phase's. */
export function finalAdapterFile(plan: RecipePlan, work: string, kind: "lora" | "moe"): string {
  return phaseAdapterFile(work, kind, plan[kind].phases.length - 1);
}

function adapterPhaseArgs(plan: RecipePlan, work: string, kind: "lora" | "moe", phase: AdapterPhasePlan, index: number): string[] {
  const stage = plan[kind];
  const from = index === 0 ? [] : ["--init-adapter", phaseAdapterFile(work, kind, index - 1)];
  const targets = index === 0 && stage.targets !== undefined ? ["--targets", stage.targets] : [];
  const last = index === stage.phases.length - 1;
  const dtype = last && stage.dtype !== undefined ? ["--adapter-dtype", stage.dtype] : [];
  return [
    "bin/icedit.js",
    "train",
    ...["--model", recipePaths(work).model, "--data", join(work, editSetName(phase))],
    ...["--out", join(work, adapterPhaseName(kind, index)), "--adapter", kind, "--rank", String(stage.rank)],
    ...(kind === "moe" ? ["--experts", String(plan.moe.experts)] : []),
    ...targets,
    ...from,
    ...["--steps", String(phase.steps), "--size", String(plan.size), "--batch", String(stage.batch), "--grad-accum", "1"],
    ...["--optimizer", "adamw", "--lr", String(phase.lr)],
    ...(phase.logitMean === undefined ? [] : ["--logit-mean", String(phase.logitMean)]),
    ...(phase.lrDecaySteps === undefined ? [] : ["--lr-decay-steps", String(phase.lrDecaySteps)]),
    ...["--no-checkpointing", "--save-every", String(plan.saveEvery)],
    ...dtype,
  ];
}

function adapterStages(plan: RecipePlan, work: string, kind: "lora" | "moe"): StageSpec[] {
  return plan[kind].phases.map((phase, index) => ({
    name: adapterPhaseName(kind, index),
    args: adapterPhaseArgs(plan, work, kind, phase, index),
    tail: 2,
  }));
}

function baseArgs(plan: RecipePlan, work: string, stage: BaseStagePlan): string[] {
  return [
    "dist/src/demo/base/main.js",
    ...["--model", recipePaths(work).model, "--out", join(work, stage.name)],
    ...["--steps", String(stage.steps), "--batch", String(stage.batch)],
    ...["--first-seed", String(stage.firstSeed), "--count", String(stage.count), "--size", String(stage.size ?? plan.size)],
    ...["--layout", stage.layout, "--lr", String(stage.lr), "--save-every", String(plan.saveEvery)],
    ...(stage.scratch ? ["--scratch"] : []),
    "--install",
  ];
}

/** The VAE file a VAE stage after "vae" writes. */
export function vaeStageFile(work: string, stage: { readonly name: string }): string {
  return join(work, `${stage.name}.safetensors`);
}

/**
 * Every stage after "vae" that writes a VAE file, in the order they run: the trunk's VAE stages,
 * then the edit-decoder stages. Each starts from the file of the one before it.
 */
export function vaeStages(plan: RecipePlan): readonly { readonly name: string }[] {
  return [...plan.trunk.filter((stage) => stage.kind === "vae"), ...plan.editDecoder];
}

/** The VAE file `stage` (one of vaeStages) starts from: the file of the VAE stage before it, else the "vae" stage's. */
function vaeFileBefore(plan: RecipePlan, work: string, stage: { readonly name: string }): string {
  const all = vaeStages(plan);
  const before = all[all.findIndex((s) => s.name === stage.name) - 1];
  return before === undefined ? recipePaths(work).vae : vaeStageFile(work, before);
}

/** The VAE file the recipe ends with: the last VAE stage's, else the "vae" stage's. */
export function finalVaeFile(plan: RecipePlan, work: string): string {
  const last = vaeStages(plan).at(-1);
  return last === undefined ? recipePaths(work).vae : vaeStageFile(work, last);
}

function vaeArgs(plan: RecipePlan, out: string, stage: VaeStagePlan): string[] {
  return [
    "dist/src/demo/train-demo-vae-main.js",
    out,
    ...["--steps", String(stage.steps), "--size", String(stage.size ?? plan.size), "--batch", String(stage.batch)],
    ...["--lr", String(stage.lr), "--seed", String(stage.seed), "--every", String(Math.max(1, Math.round(stage.steps / 20)))],
  ];
}

/** The trunk's stages, each VAE stage from the VAE file before it, each base stage from the folder's transformer. */
function trunkStages(plan: RecipePlan, work: string): StageSpec[] {
  return plan.trunk.map((stage) => {
    if (stage.kind === "base") return { name: stage.name, args: baseArgs(plan, work, stage), tail: 3 };
    const decoderOnly = stage.train === "decoder" ? ["--decoder-only"] : [];
    const panels = stage.panels === 1 ? [] : ["--panels", String(stage.panels)];
    return {
      name: stage.name,
      args: [...vaeArgs(plan, vaeStageFile(work, stage), stage), "--init", vaeFileBefore(plan, work, stage), ...decoderOnly, ...panels],
      tail: 1,
    };
  });
}

/**
 * Each edit-decoder stage as two: its pairs (the model folder's base with the final LoRA-MoE, edited
 * at the recipe's settings), then the decoder on them, from the VAE the recipe had before.
 */
function editDecoderStages(plan: RecipePlan, work: string): StageSpec[] {
  return plan.editDecoder.flatMap((stage) => {
    const pairs = join(work, `${stage.name}-pairs.safetensors`);
    const cfg = plan.edit.trueCfgScale === undefined ? [] : ["--true-cfg-scale", String(plan.edit.trueCfgScale)];
    return [
      {
        name: `${stage.name}-latents`,
        args: [
          "dist/src/demo/edit-latents-main.js",
          ...["--model", recipePaths(work).model, "--adapter", finalAdapterFile(plan, work, "moe"), "--out", pairs],
          ...["--first-seed", String(stage.firstSeed), "--count", String(stage.count)],
          ...["--width", String(plan.edit.width), "--guidance", String(plan.edit.guidance), ...cfg],
        ],
        tail: 1,
      },
      {
        name: stage.name,
        args: [...vaeArgs(plan, vaeStageFile(work, stage), stage), "--init", vaeFileBefore(plan, work, stage), "--latents", pairs],
        tail: 1,
      },
    ];
  });
}

/**
 * The stages in order. The VAE's weights go into the model folder after "vae" and again after
 * each VAE stage of the trunk and each edit-decoder stage (installVae).
 */
export function recipeStages(plan: RecipePlan, work: string): StageSpec[] {
  const p = recipePaths(work);
  return [
    { name: "random model", args: ["bin/icedit.js", "make-demo-model", p.model, "--random", "--seed", String(plan.seed)], tail: 1 },
    { name: "vae", args: vaeArgs(plan, p.vae, plan.vae), tail: 1 },
    ...trunkStages(plan, work),
    ...editSets(plan).map((set) => ({
      name: editSetName(set),
      args: [
        ...["dist/src/demo/scenes/main.js", "edits", join(work, editSetName(set))],
        ...["--count", String(set.edits), "--first-seed", "0", "--size", String(plan.size)],
        ...(set.addedSize === undefined ? [] : ["--added-size", String(set.addedSize)]),
      ],
      tail: 1,
    })),
    ...adapterStages(plan, work, "lora"),
    ...adapterStages(plan, work, "moe"),
    ...editDecoderStages(plan, work),
  ];
}
