/**
 * Reads an adapter file (any supported format) into a LoraDescription for a model: every module
 * resolved to a BFL linear and its output rows, every tensor checked against the layer's shape
 * and read as float32. Formats, told apart by their key names:
 *   diffusers/PEFT   transformer.<module>.lora_A.weight / lora_B.weight (+ <module>.alpha, or
 *                    a LoraConfig in the metadata's lora_adapter_metadata)
 *   ICEdit MoE       transformer.<module>.lora_A.expert_<e>.weight, lora_B.expert_<e>.weight,
 *                    lora_route.weight (expert scaling 1: ICEdit forces expert_alpha = expert_rank)
 *   kohya            lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight / lora_up / .alpha
 *   ComfyUI          diffusion_model.double_blocks.0.img_attn.qkv.lora_down.weight / ...
 *   XLabs            double_blocks.0.processor.qkv_lora1.down.weight / up (no alpha)
 *   BFL names        double_blocks.0.img_attn.qkv.lora_A.weight (optionally diffusion_model. or
 *                    base_model.model. in front; lora_B.bias allowed)
 */
import { InvalidArgumentError } from "../../errors.js";
import { numel, type Tensor } from "../../tensor.js";
import type { TensorSource } from "../source.js";
import { LoraFormatError, LoraNoMatchError, LoraShapeError, listKeys } from "./errors.js";
import { isTextEncoderKey, parseKey, stripModulePrefixes, type KeyStyle } from "./keys.js";
import { metadataTopK } from "./moe-top-k.js";
import { moduleScaling, readPeftConfig, type PeftConfig } from "./scaling.js";
import type { LoraTarget, LoraTargets } from "./targets.js";
import { padColumns, readScalar, swapRowHalves } from "./tensors.js";
import type { Expert, LayerUpdates, LoraDescription, LoraFormat, LowRankUpdate, MoeUpdate } from "./types.js";

export interface ReadLoraOptions {
  /**
   * Experts each token uses in MoE layers. Default: what the file's metadata records (icedit's own
   * training and the golden vectors write it, see moe-top-k.ts), else 1 as ICEdit's loader.
   */
  readonly topK?: number;
}

/**
 * Layers whose LoRA A may have fewer input columns than the model: they are zero-padded, as
 * diffusers does for a FLUX.1 [dev] LoRA (img_in takes 64 channels) on Fill (384).
 */
const ZERO_PAD_INPUTS: ReadonlySet<string> = new Set(["img_in"]);

interface ModuleGroup {
  readonly module: string;
  readonly keys: string[];
  readonly styles: Set<KeyStyle>;
  A?: string;
  B?: string;
  bias?: string;
  alpha?: string;
  route?: string;
  readonly expertA: Map<number, string>;
  readonly expertB: Map<number, string>;
  readonly dora: string[];
}

function groupKeys(names: readonly string[]): { groups: Map<string, ModuleGroup>; textEncoder: string[]; unknown: string[] } {
  const groups = new Map<string, ModuleGroup>();
  const textEncoder: string[] = [];
  const unknown: string[] = [];
  for (const key of names) {
    if (isTextEncoderKey(key)) {
      textEncoder.push(key);
      continue;
    }
    const parsed = parseKey(key);
    if (!parsed) {
      unknown.push(key);
      continue;
    }
    let g = groups.get(parsed.module);
    if (!g) {
      g = { module: parsed.module, keys: [], styles: new Set(), expertA: new Map(), expertB: new Map(), dora: [] };
      groups.set(parsed.module, g);
    }
    g.keys.push(key);
    g.styles.add(parsed.style);
    const role = parsed.role;
    if (role.kind === "expertA") g.expertA.set(role.expert, key);
    else if (role.kind === "expertB") g.expertB.set(role.expert, key);
    else if (role.kind === "dora") g.dora.push(key);
    else g[role.kind] = key;
  }
  return { groups, textEncoder, unknown };
}

const hasWeights = (g: ModuleGroup): boolean =>
  g.A !== undefined || g.B !== undefined || g.expertA.size > 0 || g.expertB.size > 0 || g.route !== undefined;

function noMatchHint(keys: readonly string[], textEncoder: number): string {
  if (keys.length === 0 && textEncoder > 0) return "it only has text-encoder LoRA keys, and only the transformer's LoRA is supported";
  if (keys.some((k) => /(down_blocks|up_blocks|mid_block|input_blocks|output_blocks)/.test(k))) {
    return "these look like Stable Diffusion UNet LoRA keys; icedit needs a LoRA for FLUX";
  }
  return (
    "is this a LoRA for FLUX? Supported keys look like transformer.transformer_blocks.0.attn.to_q.lora_A.weight (diffusers), " +
    "lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight (kohya), double_blocks.0.processor.qkv_lora1.down.weight (XLabs) " +
    "or double_blocks.0.img_attn.qkv.lora_A.weight (BFL names); blocks beyond the model's depth do not match"
  );
}

function detectFormat(resolved: readonly { group: ModuleGroup; name: string }[], targets: LoraTargets): LoraFormat {
  const groups = resolved.map((r) => r.group);
  if (groups.some((g) => g.expertA.size > 0 || g.route !== undefined)) return "diffusers-peft+icedit-moe";
  if (groups.some((g) => g.styles.has("kohya")))
    return groups.some((g) => g.module.startsWith("diffusion_model.")) ? "comfyui-kohya" : "kohya";
  if (groups.some((g) => g.styles.has("xlabs"))) return "xlabs";
  if (resolved.some((r) => targets.linear(r.name) !== undefined)) return "bfl-peft";
  return "diffusers-peft";
}

/** Reads and checks one module's tensors against its target layer. */
class ModuleReader {
  readonly notes: string[] = [];

  constructor(
    private readonly source: TensorSource,
    private readonly target: LoraTarget,
    private readonly module: string,
  ) {}

  private get layer(): string {
    const t = this.target;
    return t.rowStart === 0 && t.rowEnd === t.outFeatures
      ? `${t.linear} [${t.outFeatures}, ${t.inFeatures}]`
      : `${t.linear} rows [${t.rowStart}:${t.rowEnd}] of [${t.outFeatures}, ${t.inFeatures}]`;
  }

  private fail(key: string, expected: readonly (number | string)[], actual: readonly number[], detail: string): never {
    throw new LoraShapeError(this.source.description, this.module, this.layer, key, expected, actual, detail);
  }

  /** A "down" matrix [r, in] (lora_A, an expert's A, the router): its rank, checked. */
  rankOf(key: string, what: string | number): number {
    const dims = this.source.entry(key).dims;
    const t = this.target;
    const padded = ZERO_PAD_INPUTS.has(t.linear) && dims.length === 2 && (dims[1] as number) > 0 && (dims[1] as number) < t.inFeatures;
    if (dims.length !== 2 || (dims[1] !== t.inFeatures && !padded))
      this.fail(key, [what, t.inFeatures], dims, `the layer takes ${t.inFeatures} inputs`);
    return dims[0] as number;
  }

  /** An "up" matrix [rows, r]. */
  checkUp(key: string, rank: number): void {
    const dims = this.source.entry(key).dims;
    const rows = this.target.rowEnd - this.target.rowStart;
    if (dims.length !== 2 || dims[0] !== rows || dims[1] !== rank)
      this.fail(key, [rows, rank], dims, `the module has ${rows} outputs and rank ${rank}`);
  }

  checkBias(key: string): void {
    const dims = this.source.entry(key).dims;
    const rows = this.target.rowEnd - this.target.rowStart;
    if (numel(dims) !== rows || dims.length !== 1) this.fail(key, [rows], dims, `the module has ${rows} outputs`);
  }

  async down(key: string): Promise<Tensor<"f32">> {
    const t = await this.source.readF32(key);
    const width = t.dims[1] as number;
    if (width === this.target.inFeatures) return t;
    this.notes.push(
      `${this.module}: the LoRA takes ${width} input channels, the model ${this.target.inFeatures}: zero-padded ` +
        `(a LoRA for FLUX.1 [dev] on FLUX.1 Fill)`,
    );
    return padColumns(t, this.target.inFeatures);
  }

  async up(key: string): Promise<Tensor<"f32">> {
    const t = await this.source.readF32(key);
    return this.target.swapHalves ? swapRowHalves(t) : t;
  }
}

async function readPlain(
  reader: ModuleReader,
  g: ModuleGroup,
  target: LoraTarget,
  name: string,
  config: PeftConfig | null,
  source: TensorSource,
): Promise<LowRankUpdate> {
  const file = source.description;
  if (g.A === undefined || g.B === undefined) {
    const [have, miss] = g.A === undefined ? [g.B, "down (lora_A / lora_down)"] : [g.A, "up (lora_B / lora_up)"];
    throw new LoraFormatError(file, `${have} has no matching ${miss} tensor for module ${g.module}: the file is incomplete`);
  }
  const rank = reader.rankOf(g.A, "r");
  reader.checkUp(g.B, rank);
  if (g.bias !== undefined) reader.checkBias(g.bias);
  const alpha = g.alpha !== undefined ? await readScalar(source, g.alpha) : null;
  const scaling = moduleScaling(rank, alpha, g.styles.has("xlabs") ? null : config, name, file);
  return {
    module: name,
    A: await reader.down(g.A),
    B: await reader.up(g.B),
    bias: g.bias !== undefined ? await reader.up(g.bias) : null,
    rowStart: target.rowStart,
    rowEnd: target.rowEnd,
    scaling,
  };
}

async function readMoe(
  reader: ModuleReader,
  g: ModuleGroup,
  target: LoraTarget,
  name: string,
  topK: number,
  file: string,
): Promise<MoeUpdate> {
  const count = Math.max(g.expertA.size, g.expertB.size);
  for (let e = 0; e < count; e++) {
    if (!g.expertA.has(e) || !g.expertB.has(e)) {
      throw new LoraFormatError(
        file,
        `MoE module ${g.module} has ${count} experts but expert ${e} lacks its lora_A or lora_B: the file is incomplete`,
      );
    }
  }
  if (g.route === undefined)
    throw new LoraFormatError(file, `MoE module ${g.module} has experts but no lora_route.weight: the file is incomplete`);
  const routeRows = reader.rankOf(g.route, count);
  if (routeRows !== count)
    throw new LoraFormatError(file, `${g.route} routes to ${routeRows} experts, but module ${g.module} has ${count}`);
  if (topK > count) throw new InvalidArgumentError(`top-k ${topK} is larger than the ${count} experts of ${g.module} in ${file}`);
  const experts: Expert[] = [];
  let rank = -1;
  for (let e = 0; e < count; e++) {
    const a = g.expertA.get(e) as string;
    const b = g.expertB.get(e) as string;
    const r = reader.rankOf(a, "r");
    if (rank >= 0 && r !== rank) throw new LoraFormatError(file, `the experts of ${g.module} have different ranks (${rank} and ${r})`);
    rank = r;
    reader.checkUp(b, r);
    experts.push({ A: await reader.down(a), B: await reader.up(b) });
  }
  const route = await reader.down(g.route);
  return { module: name, experts, route, expertScaling: 1, topK, rowStart: target.rowStart, rowEnd: target.rowEnd };
}

/** Reads `source` as an adapter for the model whose layers `targets` describes. */
export async function readLoraAdapter(source: TensorSource, targets: LoraTargets, options: ReadLoraOptions = {}): Promise<LoraDescription> {
  const file = source.description;
  const topK = options.topK ?? metadataTopK(source.metadata()) ?? 1;
  if (!Number.isInteger(topK) || topK < 1) throw new InvalidArgumentError(`top-k must be a positive integer, got ${topK}`);
  const { groups, textEncoder, unknown } = groupKeys(source.names());
  const resolved: { group: ModuleGroup; name: string; target: LoraTarget }[] = [];
  const ignored: string[] = [...unknown];
  for (const group of groups.values()) {
    const name = stripModulePrefixes(group.module);
    const target = hasWeights(group) ? targets.resolve(name) : undefined;
    if (target) resolved.push({ group, name, target });
    else ignored.push(...group.keys);
  }
  if (resolved.length === 0) throw new LoraNoMatchError(file, [...ignored].sort(), noMatchHint(ignored, textEncoder.length));

  const config = readPeftConfig(source.metadata(), file);
  const warnings: string[] = [];
  const perLayer = new Map<string, { plain: LowRankUpdate[]; moe: MoeUpdate[] }>();
  const notes = new Set<string>();
  const dora: string[] = [];
  for (const { group, name, target } of resolved) {
    const reader = new ModuleReader(source, target, name);
    let layer = perLayer.get(target.linear);
    if (!layer) {
      layer = { plain: [], moe: [] };
      perLayer.set(target.linear, layer);
    }
    if (group.expertA.size > 0 || group.expertB.size > 0 || group.route !== undefined)
      layer.moe.push(await readMoe(reader, group, target, name, topK, file));
    if (group.A !== undefined || group.B !== undefined) layer.plain.push(await readPlain(reader, group, target, name, config, source));
    reader.notes.forEach((n) => notes.add(n));
    dora.push(...group.dora);
  }

  const total = groups.size;
  if (ignored.length > 0) {
    warnings.push(
      `matched ${resolved.length} of ${total} modules of ${file}; ignored ${ignored.length} keys: ${listKeys([...ignored].sort())}`,
    );
  }
  if (textEncoder.length > 0) {
    warnings.push(
      `ignored ${textEncoder.length} text-encoder LoRA keys (${listKeys(textEncoder, 3)}): only the transformer's LoRA is supported`,
    );
  }
  if (dora.length > 0 || config?.useDora) {
    warnings.push(
      `the adapter uses DoRA (${listKeys(dora, 3) || "use_dora in its metadata"}): DoRA magnitudes are not supported, only the low-rank part is applied`,
    );
  }
  warnings.push(...notes);

  const layers = new Map<string, LayerUpdates>();
  for (const linear of targets.linearNames()) {
    const updates = perLayer.get(linear);
    const shape = targets.linear(linear);
    if (updates && shape) layers.set(linear, { linear, ...shape, plain: updates.plain, moe: updates.moe });
  }
  return {
    source: file,
    format: detectFormat(resolved, targets),
    layers,
    matchedModules: resolved.length,
    totalModules: total,
    ignoredKeys: [...ignored, ...textEncoder, ...dora],
    warnings,
    hasMoe: [...layers.values()].some((l) => l.moe.length > 0),
  };
}
