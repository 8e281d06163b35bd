/**
 * The trained demo's weights, shipped in the package under assets/demo/ and written there by the
 * recipe (npm run demo:train, src/demo/recipe/): the transformer trained as an in-painting model on
 * scenes and pairs of scenes, the VAE trained as an autoencoder, the plain LoRA and the LoRA-MoE
 * trained by `icedit train` on edit triplets, and recipe.json (the VAE's latent factors, the
 * settings the model expects, the example edit, and every stage's command, time and result). The
 * text encoders are not shipped: they stay the seeded random ones of make-demo-model, which the
 * recipe trained against.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IceditError } from "../errors.js";

export class TrainedDemoError extends IceditError {}

/** assets/demo/ of the package (from dist/src/demo/). */
export const DEMO_ASSETS_DIR = fileURLToPath(new URL("../../../assets/demo/", import.meta.url));

export const TRAINED_DEMO_FILES = {
  /** diffusers FluxTransformer2DModel keys, f32 */
  transformer: "transformer.safetensors",
  /** diffusers AutoencoderKL keys, f32 */
  vae: "vae.safetensors",
  /** ICEdit-format adapters, as `icedit train` writes them */
  lora: "icedit-lora.safetensors",
  moe: "icedit-moe-lora.safetensors",
  recipe: "recipe.json",
} as const;

/** One stage of the recipe as it ran. */
export interface RecipeStage {
  readonly name: string;
  /** The command line, with the recipe's work folder as $WORK. */
  readonly command: string;
  readonly seconds: number;
  /** What the stage reported last (losses, accuracy), in its own words. */
  readonly result: string;
}

export interface DemoRecipe {
  /** The seed of make-demo-model's random weights (the text encoders the recipe trained with). */
  readonly seed: number;
  readonly vae: { readonly scalingFactor: number; readonly shiftFactor: number };
  /** The edit settings the model was trained for, and the true CFG scale it edits best with (written into the folder's icedit.json). */
  readonly edit: { readonly width: number; readonly guidance: number; readonly trueCfgScale?: number };
  /** The example image's scene and the README's instruction for it. */
  readonly example: { readonly seed: number; readonly instruction: string; readonly size: number };
  readonly stages: readonly RecipeStage[];
}

export interface TrainedDemo {
  readonly dir: string;
  readonly recipe: DemoRecipe;
  /** Absolute paths of the weight files. */
  readonly transformer: string;
  readonly vae: string;
  readonly lora: string;
  readonly moe: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function finiteAt(json: Record<string, unknown>, path: readonly string[]): number {
  let node: unknown = json;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  if (typeof node !== "number" || !Number.isFinite(node)) throw new TypeError(`${path.join(".")} must be a number`);
  return node;
}

/** The trained demo of `dir` (default: the package's assets/demo/), its files checked to exist. */
export async function readTrainedDemo(dir: string = DEMO_ASSETS_DIR): Promise<TrainedDemo> {
  const missing = Object.values(TRAINED_DEMO_FILES).filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new TrainedDemoError(
      `the trained demo weights are missing from ${dir} (${missing.join(", ")}): run npm run demo:train to train them, or use make-demo-model --random`,
    );
  }
  let recipe: DemoRecipe;
  try {
    const json: unknown = JSON.parse(await readFile(join(dir, TRAINED_DEMO_FILES.recipe), "utf8"));
    if (!isRecord(json)) throw new TypeError("not a JSON object");
    const example = isRecord(json["example"]) ? json["example"] : {};
    const instruction = example["instruction"];
    if (typeof instruction !== "string") throw new TypeError("example.instruction must be a string");
    recipe = {
      seed: finiteAt(json, ["seed"]),
      vae: { scalingFactor: finiteAt(json, ["vae", "scalingFactor"]), shiftFactor: finiteAt(json, ["vae", "shiftFactor"]) },
      edit: {
        width: finiteAt(json, ["edit", "width"]),
        guidance: finiteAt(json, ["edit", "guidance"]),
        ...(isRecord(json["edit"]) && json["edit"]["trueCfgScale"] !== undefined
          ? { trueCfgScale: finiteAt(json, ["edit", "trueCfgScale"]) }
          : {}),
      },
      example: { seed: finiteAt(json, ["example", "seed"]), instruction, size: finiteAt(json, ["example", "size"]) },
      stages: Array.isArray(json["stages"]) ? (json["stages"] as RecipeStage[]) : [],
    };
  } catch (error) {
    throw new TrainedDemoError(
      `${join(dir, TRAINED_DEMO_FILES.recipe)} is damaged (${error instanceof Error ? error.message : String(error)}): run npm run demo:train again`,
    );
  }
  const at = (file: string): string => join(dir, file);
  return {
    dir,
    recipe,
    transformer: at(TRAINED_DEMO_FILES.transformer),
    vae: at(TRAINED_DEMO_FILES.vae),
    lora: at(TRAINED_DEMO_FILES.lora),
    moe: at(TRAINED_DEMO_FILES.moe),
  };
}
