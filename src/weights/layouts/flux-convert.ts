/**
 * Eager conversion of a whole FLUX transformer between the BFL and diffusers key layouts.
 * Tensors keep their stored dtype (splits, stacks and swaps copy rows exactly); stacking parts of
 * different dtypes gives float32. Output names carry no prefix.
 */
import type { Tensor } from "../../tensor.js";
import type { TensorSource } from "../source.js";
import { toBfl, toDiffusers } from "./apply-row.js";
import { planFluxConversion } from "./flux-plan.js";

/** BFL-named tensors from a diffusers-layout source (optionally "transformer."-prefixed). */
export async function diffusersToBfl(source: TensorSource): Promise<Map<string, Tensor>> {
  const plan = planFluxConversion(source, "diffusers");
  const out = new Map<string, Tensor>();
  const read = (name: string): Promise<Tensor> => plan.source.read(name);
  for (const row of plan.rows) out.set(row.bfl, await toBfl(row, read, plan.sizes, source.description));
  return out;
}

/** diffusers-named tensors from a BFL-layout source (optionally "model.diffusion_model."-prefixed). */
export async function bflToDiffusers(source: TensorSource): Promise<Map<string, Tensor>> {
  const plan = planFluxConversion(source, "bfl");
  const out = new Map<string, Tensor>();
  for (const row of plan.rows) {
    const parts = toDiffusers(row, await plan.source.read(row.bfl), plan.sizes, source.description);
    row.diffusers.forEach((name, k) => {
      const part = parts[k];
      if (part !== undefined) out.set(name, part);
    });
  }
  return out;
}
