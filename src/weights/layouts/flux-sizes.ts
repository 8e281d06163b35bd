/** The FLUX sizes the layout table refers to, read from tensor shapes (never hard-coded). */
import { MissingTensorError, ShapeMismatchError } from "../errors.js";
import type { Side } from "./key-mapper.js";
import type { SizeName } from "./flux-table.js";

export type FluxSizes = Readonly<Record<SizeName, number>>;

/** Shape of a tensor, or undefined when absent. */
export type DimsOf = (name: string) => readonly number[] | undefined;

function rows(dimsOf: DimsOf, name: string): number | undefined {
  return dimsOf(name)?.[0];
}

/** First block index present under `prefix` (e.g. "single_blocks."), or undefined. */
function firstBlock(names: readonly string[], prefix: string): string | undefined {
  const ids = names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length).split(".")[0] ?? "");
  return ids.sort((a, b) => Number(a) - Number(b))[0];
}

/**
 * D = rows of img_in.weight (x_embedder.weight); mlp = rows of the first double block's MLP input
 * (ff.net.0.proj), else of the first single block's proj_mlp (diffusers) or linear1 rows - 3D (BFL).
 */
export function fluxSizes(side: Side, names: readonly string[], dimsOf: DimsOf, file: string): FluxSizes {
  const embed = side === "bfl" ? "img_in.weight" : "x_embedder.weight";
  const d = rows(dimsOf, embed);
  if (d === undefined)
    throw new MissingTensorError(embed, file, "the hidden size is read from its rows; is this a complete FLUX transformer?");
  const double = firstBlock(names, side === "bfl" ? "double_blocks." : "transformer_blocks.");
  const single = firstBlock(names, side === "bfl" ? "single_blocks." : "single_transformer_blocks.");
  let mlp: number | undefined;
  if (double !== undefined) {
    mlp = rows(dimsOf, side === "bfl" ? `double_blocks.${double}.img_mlp.0.weight` : `transformer_blocks.${double}.ff.net.0.proj.weight`);
  } else if (single !== undefined && side === "diffusers") {
    mlp = rows(dimsOf, `single_transformer_blocks.${single}.proj_mlp.weight`);
  } else if (single !== undefined) {
    const linear1 = rows(dimsOf, `single_blocks.${single}.linear1.weight`);
    mlp = linear1 === undefined ? undefined : linear1 - 3 * d;
    if (mlp !== undefined && mlp <= 0) {
      throw new ShapeMismatchError(
        `single_blocks.${single}.linear1.weight`,
        file,
        ["3*D + mlp", d],
        dimsOf(`single_blocks.${single}.linear1.weight`) ?? [],
        `hidden size D=${d} from img_in.weight`,
      );
    }
  }
  return { D: d, mlp: mlp ?? 0 };
}
