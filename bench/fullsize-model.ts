/**
 * A full-size FLUX.1 Fill model folder with RANDOM weights of the real shapes, written once into a
 * scratch folder (never into git) for the full-pipeline bench: the transformer as a community-style
 * GGUF Q8_0 file (BFL names, 12B parameters, 12.7 GB), T5-XXL as sharded bf16 safetensors (4.8B
 * parameters, 9.5 GB), CLIP-L and the VAE as f32 safetensors, tokenizers and configs. Weights are
 * streamed to disk one tensor at a time; values are uniform (seeded, so a seed gives the same model)
 * with each parameter's init std, so activations stay finite through every block.
 */
import { existsSync } from "node:fs";
import { mkdir, open, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Flux } from "../src/models/flux/model.js";
import { FLUX_FILL_DEV, type FluxParams } from "../src/models/flux/params.js";
import { fluxInitRule } from "../src/demo/init/flux.js";
import { AutoEncoder } from "../src/models/vae/model.js";
import { FLUX_VAE, type VaeParams } from "../src/models/vae/params.js";
import { vaeInitRule } from "../src/demo/init/vae.js";
import { diffusersVaeConfig } from "../src/models/vae/diffusers-config.js";
import { T5_V1_1_XXL, t5HfConfig, type T5Config } from "../src/models/t5/config.js";
import { T5EncoderStack } from "../src/models/t5/model.js";
import { t5InitRule } from "../src/demo/init/t5.js";
import { CLIP_L_TEXT, clipTextHfConfig, type ClipTextConfig } from "../src/models/clip/config.js";
import { randomClipTextWeights } from "../src/demo/init/clip.js";
import { demoClipTokenizerFiles, demoT5TokenizerFiles } from "../src/demo/tokenizers.js";
import { randomTensors, type InitRule, type ParamShape } from "../src/demo/random-weights.js";
import { memorySource } from "../src/weights/memory-source.js";
import { convertVae } from "../src/weights/layouts/vae-view.js";
import { encodeLayoutHeader, writeSafetensors } from "../src/weights/safetensors/writer.js";
import { numel } from "../src/tensor.js";

export const FULLSIZE_TRANSFORMER_FILE = "flux1-fill-dev-random-Q8_0.gguf";
const DONE_MARKER = "icedit-fullsize-random.json";

/** A fast uniform source (xorshift128+ would do; xorshift32 is enough for noise weights). */
class Uniform {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** Fills `out` with uniform values of standard deviation `std` around `mean`. */
  fill(out: Float32Array, std: number, mean: number): void {
    const a = (std * Math.sqrt(3) * 2) / 4294967296;
    let x = this.state;
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = mean + ((x >>> 0) - 2147483648) * a;
    }
    this.state = x;
  }

  /** Fills `out` with uniform random bytes. */
  fillBytes(out: Uint8Array): void {
    const words = new Uint32Array(out.buffer, out.byteOffset, Math.floor(out.length / 4));
    let x = this.state;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    for (let i = words.length * 4; i < out.length; i++) out[i] = i & 0xff;
    this.state = x;
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function ggufString(s: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(s);
  return [u64(bytes.length), bytes];
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const GGML_F32 = 0;
const GGML_Q8_0 = 8;
const ALIGN = 32;

/** Q8_0 blocks of random codes whose values have the parameter's std (the f16 scale is shared by every block). */
function randomQ8_0(rng: Uniform, rows: number, cols: number, std: number): Uint8Array {
  const blocks = rows * (cols / 32);
  const out = new Uint8Array(blocks * 34);
  rng.fillBytes(out);
  // Uniform int8 codes have std ~ 73.9; one f16 scale for all blocks.
  const scale = new Float32Array([std / 73.9]);
  const bits = new Uint32Array(scale.buffer)[0] as number;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const half = exp <= 0 ? 0 : ((bits >>> 16) & 0x8000) | (exp << 10) | ((bits >>> 13) & 0x3ff);
  for (let b = 0; b < blocks; b++) {
    out[b * 34] = half & 0xff;
    out[b * 34 + 1] = half >>> 8;
    for (let j = 2; j < 34; j++) if (out[b * 34 + j] === 0x80) out[b * 34 + j] = 0x81; // no -128 in Q8_0
  }
  return out;
}

/** The FLUX.1 Fill transformer as a GGUF file: 2-D weights Q8_0, 1-D tensors F32 (as city96's files). */
async function writeTransformerGguf(path: string, flux: FluxParams, seed: number): Promise<void> {
  const params = new Flux(flux).parameters();
  const rng = new Uniform(seed);
  const infos: Uint8Array[] = [];
  let offset = 0;
  const layout = params.map((p) => {
    const q8 = p.shape.length === 2 && (p.shape[1] as number) % 32 === 0;
    const bytes = q8 ? (numel(p.shape) / 32) * 34 : numel(p.shape) * 4;
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    const at = offset;
    offset += bytes;
    infos.push(...ggufString(p.path), u32(p.shape.length), ...[...p.shape].reverse().map(u64), u32(q8 ? GGML_Q8_0 : GGML_F32), u64(at));
    return { p, q8, at };
  });
  const kv = [...ggufString("general.architecture"), u32(8), ...ggufString("flux")];
  let header = concat([u32(0x46554747), u32(3), u64(params.length), u64(1), ...kv, ...infos]);
  header = concat([header, new Uint8Array((ALIGN - (header.length % ALIGN)) % ALIGN)]);
  const handle = await open(path, "w");
  try {
    await writeAll(handle, header);
    let written = 0;
    for (const { p, q8, at } of layout) {
      if (at > written) await writeAll(handle, new Uint8Array(at - written));
      const rule = fluxInitRule(p);
      let bytes: Uint8Array;
      if (q8) bytes = randomQ8_0(rng, p.shape[0] as number, p.shape[1] as number, rule.std);
      else {
        const values = new Float32Array(numel(p.shape));
        rng.fill(values, rule.std, rule.mean ?? 0);
        bytes = new Uint8Array(values.buffer);
      }
      await writeAll(handle, bytes);
      written = at + bytes.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** bf16 safetensors shards of `params`, streamed, plus the index file transformers writes. */
async function writeBf16Shards(
  dir: string,
  base: string,
  params: readonly ParamShape[],
  rule: (p: ParamShape) => InitRule,
  shards: number,
  seed: number,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rng = new Uniform(seed);
  const per = Math.ceil(params.length / shards);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const file = `${base}-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part = params.slice(s * per, (s + 1) * per);
    for (const p of part) weightMap[p.path] = file;
    total += part.reduce((n, p) => n + numel(p.shape) * 2, 0);
    const head = encodeLayoutHeader(
      part.map((p) => ({ name: p.path, dtype: "bf16" as const, dims: p.shape })),
      { format: "pt" },
    );
    const handle = await open(join(dir, file), "w");
    try {
      await writeAll(handle, head);
      for (const p of part) {
        const rule1 = rule(p);
        const n = numel(p.shape);
        const chunk = 1 << 24;
        for (let i = 0; i < n; i += chunk) {
          const values = new Float32Array(Math.min(chunk, n - i));
          rng.fill(values, rule1.std, rule1.mean ?? 0);
          const words = new Uint32Array(values.buffer);
          const bf16 = new Uint16Array(values.length);
          for (let k = 0; k < words.length; k++) bf16[k] = (words[k] as number) >>> 16;
          await writeAll(handle, new Uint8Array(bf16.buffer));
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await writeFile(join(dir, `${base}.safetensors.index.json`), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }));
}

export interface FullSizeModel {
  readonly dir: string;
  readonly transformer: string;
  /** Seconds spent writing it now (0 when it was already there). */
  readonly writeSeconds: number;
}

export interface ModelSizes {
  readonly flux: FluxParams;
  readonly t5: T5Config;
  readonly clip: ClipTextConfig;
  readonly vae: VaeParams;
}

export const FULL_SIZES: ModelSizes = { flux: FLUX_FILL_DEV, t5: T5_V1_1_XXL, clip: CLIP_L_TEXT, vae: FLUX_VAE };

/** Tokenizer vocabularies the demo tokenizers can make (their ids all fit the real embedding tables). */
const TOKENIZER_VOCAB = { clip: 2000, t5: 700 } as const;

/**
 * The random model in `dir` (full size by default), written now unless a complete one is there.
 * Parts are written into `<dir>.partial` with a marker each, so an interrupted run resumes.
 */
export async function fullSizeModel(dir: string, seed = 1, sizes: ModelSizes = FULL_SIZES): Promise<FullSizeModel> {
  const transformer = join(dir, FULLSIZE_TRANSFORMER_FILE);
  if (existsSync(join(dir, DONE_MARKER))) return { dir, transformer, writeSeconds: 0 };
  const started = performance.now();
  const tmp = `${dir}.partial`;
  await mkdir(tmp, { recursive: true });
  const json = (path: string, value: unknown): Promise<void> => writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  const parts: Record<string, () => Promise<void>> = {
    transformer: () => writeTransformerGguf(join(tmp, FULLSIZE_TRANSFORMER_FILE), sizes.flux, seed),
    t5: async () => {
      await writeBf16Shards(
        join(tmp, "text_encoder_2"),
        "model",
        new T5EncoderStack(sizes.t5).parameters(),
        t5InitRule(sizes.t5),
        2,
        seed + 1,
      );
      await json(join(tmp, "text_encoder_2", "config.json"), t5HfConfig(sizes.t5));
    },
    clip: async () => {
      await mkdir(join(tmp, "text_encoder"), { recursive: true });
      await writeSafetensors(join(tmp, "text_encoder", "model.safetensors"), randomClipTextWeights(sizes.clip, seed + 2), { format: "pt" });
      await json(join(tmp, "text_encoder", "config.json"), clipTextHfConfig(sizes.clip));
    },
    vae: async () => {
      await mkdir(join(tmp, "vae"), { recursive: true });
      const vae = await convertVae(
        memorySource(randomTensors(new AutoEncoder(sizes.vae).parameters(), seed + 3, vaeInitRule)),
        "diffusers",
      );
      await writeSafetensors(join(tmp, "vae", "diffusion_pytorch_model.safetensors"), vae, { format: "pt" });
      await json(join(tmp, "vae", "config.json"), diffusersVaeConfig(sizes.vae));
    },
    tokenizers: async () => {
      const clipFiles = demoClipTokenizerFiles(Math.min(sizes.clip.vocabSize, TOKENIZER_VOCAB.clip), { tokenizerJson: false });
      const t5Files = demoT5TokenizerFiles(Math.min(sizes.t5.vocabSize, TOKENIZER_VOCAB.t5));
      for (const [folder, files] of [
        ["tokenizer", clipFiles],
        ["tokenizer_2", t5Files],
      ] as const) {
        await mkdir(join(tmp, folder), { recursive: true });
        for (const [name, content] of Object.entries(files)) await writeFile(join(tmp, folder, name), content);
      }
      await json(join(tmp, "model_index.json"), { _class_name: "FluxFillPipeline" });
    },
  };
  for (const [name, write] of Object.entries(parts)) {
    const marker = join(tmp, `.done-${name}`);
    if (existsSync(marker)) continue;
    await write();
    await writeFile(marker, "");
  }
  await json(join(tmp, DONE_MARKER), { seed, note: "random weights of the real shapes, for benchmarks only" });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, transformer, writeSeconds: (performance.now() - started) / 1000 };
}
