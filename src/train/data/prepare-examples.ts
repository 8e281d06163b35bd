/**
 * Preparing a data set for training: every usable example encoded once (ICEdit: diptych latent,
 * fill conditioning, IC prompt embeddings; Kontext: target latent, the source's condition tokens,
 * the instruction's embeddings) and kept in the example cache, so that an epoch runs only the
 * transformer. Also the embeddings of the dropped prompt: the reference replaces the whole IC
 * prompt (template included) by " " with probability 0.1, so " " itself is encoded.
 */
import { resolve } from "node:path";
import { imageIds, textIds } from "../../models/flux/inputs.js";
import { icPrompt } from "../../pipelines/icedit/prompt.js";
import { CancelledError } from "../../pipelines/fill/errors.js";
import { reshape, type Tensor } from "../../tensor.js";
import { encodeDiptych, encodeKontextPair, encodeText, type EncodedText, type ExampleEncoders } from "./encode-example.js";
import { PrepareExamplesError } from "./errors.js";
import { ExampleCache, EXAMPLE_FORMAT, storedValues, type CacheStorage, type EntryShape } from "./example-cache.js";
import type { SkipReport } from "./skip-log.js";
import { squash, TRAINING_RESIZE_KERNEL, trainingDiptych } from "./training-diptych.js";
import type { EditTriplet, TrainingData, TripletIdentity } from "./triplet.js";
import type { EditMethod } from "../../components/icedit-models.js";

/** The prompt fed when the text is dropped (the reference's `instruction = " "`). */
export const DROPPED_PROMPT = " ";
export const DEFAULT_TRAINING_SIZE = 512;

export interface PreparedExample {
  /** [L, 64] */
  readonly x0: Tensor<"f32">;
  /** [L, 320] (ICEdit: masked latent | mask per token), or Kontext's condition tokens [Lc, 64] */
  readonly imgCond: Tensor<"f32">;
  /** [T, context] */
  readonly txt: Tensor<"f32">;
  /** [vec] */
  readonly y: Tensor<"f32">;
  readonly origin: string;
}

export interface PrepareProgress {
  /** Examples of the data set looked at so far (skipped ones included). */
  readonly done: number;
  readonly total: number;
  /** Read from the cache. */
  readonly cached: number;
  /** Encoded now (a damaged entry's recomputation included). */
  readonly encoded: number;
  readonly skipped: number;
}

export interface PrepareOptions {
  /** Side of each half of the diptych (default 512), or of Kontext's square source and target: a multiple of 16. */
  readonly size?: number;
  /** The editing method the examples are encoded for (default "icedit"). */
  readonly method?: EditMethod;
  /** Where the encoded examples are kept (a folder of safetensors files). */
  readonly cacheDir: string;
  /** How the cache stores the tensors (default "f32"); the prepared tensors are the stored values either way. */
  readonly storage?: CacheStorage;
  readonly onProgress?: (progress: PrepareProgress) => void;
  /** Told when a cache entry failed its checks and is recomputed. */
  readonly onRecompute?: (origin: string, reason: string) => void;
  readonly signal?: AbortSignal;
}

export interface PreparedDataset {
  /** Usable examples (the skipped ones left out). */
  readonly count: number;
  readonly size: number;
  readonly method: EditMethod;
  readonly skipped: SkipReport;
  /** How the examples were obtained at prepare time. */
  readonly stats: { readonly cached: number; readonly encoded: number };
  /** Example i in [0, count): read from the cache (recomputed if its entry went bad since). */
  get(index: number): Promise<PreparedExample>;
  /** The dropped prompt's embeddings: txt [T, context], y [vec]. */
  readonly emptyPrompt: EncodedText;
  /** [L, 3] */
  readonly imgIds: Tensor<"f32">;
  /** [T, 3] zeros */
  readonly txtIds: Tensor<"f32">;
}

const EXAMPLE_SHAPE: EntryShape = { x0: 2, img_cond: 2, txt: 2, y: 1 };
const TEXT_SHAPE: EntryShape = { txt: 2, y: 1 };

/** Everything an entry depends on; the key of the cache (ICEdit's keys predate the method, which they leave out). */
function exampleKey(encoders: ExampleEncoders, method: EditMethod, size: number, storage: CacheStorage, id: TripletIdentity): string {
  return JSON.stringify({
    format: EXAMPLE_FORMAT,
    ...(method === "icedit" ? {} : { method }),
    storage,
    model: encoders.fingerprint,
    size,
    kernel: TRAINING_RESIZE_KERNEL,
    data: id.stamp,
    instruction: id.instruction,
  });
}

function textKey(encoders: ExampleEncoders, storage: CacheStorage, prompt: string): string {
  return JSON.stringify({ format: EXAMPLE_FORMAT, storage, model: encoders.fingerprint, prompt });
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 16 || size % 16 !== 0) {
    throw new PrepareExamplesError(
      `the training size must be a multiple of 16 (FLUX latents are packed 2x2 after the VAE's 8x), got ${size}`,
    );
  }
}

interface Located {
  readonly index: number;
  readonly identity: TripletIdentity;
}

class Preparer {
  readonly cache: ExampleCache;

  constructor(
    private readonly encoders: ExampleEncoders,
    private readonly data: TrainingData,
    readonly method: EditMethod,
    readonly size: number,
    private readonly storage: CacheStorage,
    cacheDir: string,
    private readonly onRecompute?: (origin: string, reason: string) => void,
  ) {
    this.cache = new ExampleCache(resolve(cacheDir));
  }

  /** The entry of `at` from the cache, or encoded and written now; null when the example is skipped. */
  async example(at: Located): Promise<{ example: PreparedExample; cached: boolean } | null> {
    const key = exampleKey(this.encoders, this.method, this.size, this.storage, at.identity);
    const found = await this.cache.read(key, EXAMPLE_SHAPE);
    if ("hit" in found) return { example: toExample(found.hit, at.identity.origin), cached: true };
    if (found.miss !== "not cached") this.onRecompute?.(at.identity.origin, found.miss);
    const triplet = await this.data.get(at.index);
    if (triplet === null) return null;
    const latents = await this.encodeImages(triplet);
    // Kontext's prompt is the instruction itself (no diptych to describe).
    const prompt = this.method === "kontext" ? triplet.instruction : icPrompt(triplet.instruction);
    const text = await encodeText(this.encoders.text, prompt);
    const tensors = this.stored({ x0: latents.x0, img_cond: latents.imgCond, txt: text.txt, y: text.y });
    await this.write(key, tensors, triplet.origin);
    return { example: toExample(tensors, triplet.origin), cached: false };
  }

  /** ICEdit: the diptych's latent and fill conditioning; Kontext: the target's latent and the source's condition tokens. */
  private async encodeImages(triplet: EditTriplet): Promise<{ x0: Tensor<"f32">; imgCond: Tensor<"f32"> }> {
    if (this.method === "kontext") {
      const [source, target] = [await squash(triplet.source, this.size), await squash(triplet.target, this.size)];
      return encodeKontextPair(this.encoders.vae, source, target);
    }
    return encodeDiptych(this.encoders.vae, await trainingDiptych(triplet.source, triplet.target, this.size));
  }

  async text(prompt: string): Promise<EncodedText> {
    const key = textKey(this.encoders, this.storage, prompt);
    const found = await this.cache.read(key, TEXT_SHAPE);
    const tensors = "hit" in found ? found.hit : this.stored({ ...(await encodeText(this.encoders.text, prompt)) });
    if (!("hit" in found)) await this.write(key, tensors, `prompt ${JSON.stringify(prompt)}`);
    return { txt: tensors["txt"] as Tensor<"f32">, y: tensors["y"] as Tensor<"f32"> };
  }

  /** The values as the cache gives them back, so a cached run and a fresh one see the same numbers. */
  private stored(tensors: Readonly<Record<string, Tensor<"f32">>>): Record<string, Tensor<"f32">> {
    return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, storedValues(t, this.storage)]));
  }

  private async write(key: string, tensors: Readonly<Record<string, Tensor<"f32">>>, origin: string): Promise<void> {
    try {
      await this.cache.write(key, tensors, origin, this.storage);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new PrepareExamplesError(
        `cannot write the encoded example of ${origin} to the cache folder ${this.cache.dir} (${why}): free some space or choose another cache folder`,
        { cause: error },
      );
    }
  }
}

function toExample(tensors: Readonly<Record<string, Tensor<"f32">>>, origin: string): PreparedExample {
  const get = (name: string): Tensor<"f32"> => tensors[name] as Tensor<"f32">;
  return { x0: get("x0"), imgCond: get("img_cond"), txt: get("txt"), y: get("y"), origin };
}

/** The noisy tokens' grid of one example: the diptych's (size x 2 size) or Kontext's target's (size x size). */
function latentGrid(method: EditMethod, size: number): { rows: number; cols: number } {
  return { rows: size / 16, cols: ((method === "kontext" ? 1 : 2) * size) / 16 };
}

function checkExample(example: PreparedExample, method: EditMethod, size: number, first: PreparedExample | undefined): void {
  const grid = latentGrid(method, size);
  const tokens = grid.rows * grid.cols;
  const condChannels = method === "kontext" ? 64 : 320;
  const wrong = (what: string): never => {
    throw new PrepareExamplesError(`${example.origin}: the encoded ${what}; is the cache folder shared with another model?`);
  };
  if (example.x0.dims[0] !== tokens || example.x0.dims[1] !== 64) wrong(`x0 is [${example.x0.dims}], expected [${tokens}, 64]`);
  if (example.imgCond.dims[0] !== tokens || example.imgCond.dims[1] !== condChannels)
    wrong(`imgCond is [${example.imgCond.dims}], expected [${tokens}, ${condChannels}]`);
  if (first && (example.txt.dims.join() !== first.txt.dims.join() || example.y.dims.join() !== first.y.dims.join())) {
    wrong(`text has txt [${example.txt.dims}] and y [${example.y.dims}], unlike the first example's`);
  }
}

/**
 * Encodes every usable example of `data` once (or finds it in the cache) and gives the prepared
 * data set. Skipped examples are left out (see `skipped`).
 */
export async function prepareExamples(encoders: ExampleEncoders, data: TrainingData, options: PrepareOptions): Promise<PreparedDataset> {
  const size = options.size ?? DEFAULT_TRAINING_SIZE;
  checkSize(size);
  const storage = options.storage ?? "f32";
  if (storage !== "f32" && storage !== "bf16")
    throw new PrepareExamplesError(`the cache storage is "f32" or "bf16", got "${String(storage)}"`);
  const method = options.method ?? "icedit";
  const preparer = new Preparer(encoders, data, method, size, storage, options.cacheDir, options.onRecompute);
  await preparer.cache.removeStaleTemps();
  const usable: Located[] = [];
  let cached = 0;
  let encoded = 0;
  let first: PreparedExample | undefined;
  const report = (done: number): void => options.onProgress?.({ done, total: data.count, cached, encoded, skipped: data.skipped.total });
  for (let index = 0; index < data.count; index++) {
    if (options.signal?.aborted) throw new CancelledError(index, data.count);
    const identity = data.identity(index);
    if (identity !== null) {
      const at = { index, identity };
      const prepared = await preparer.example(at);
      if (prepared !== null) {
        checkExample(prepared.example, method, size, first);
        first ??= prepared.example;
        usable.push(at);
        if (prepared.cached) cached++;
        else encoded++;
      }
    }
    report(index + 1);
  }
  if (first === undefined) {
    throw new PrepareExamplesError(`none of the ${data.count} examples can be used (${data.skipped.total} skipped): see the skip reasons`);
  }
  const emptyPrompt = await preparer.text(DROPPED_PROMPT);
  const tokens = first.txt.dims[0] as number;
  const grid = latentGrid(method, size);
  return {
    count: usable.length,
    size,
    method,
    skipped: data.skipped,
    stats: { cached, encoded },
    emptyPrompt,
    imgIds: reshape(imageIds(1, grid.rows, grid.cols), [grid.rows * grid.cols, 3]),
    txtIds: reshape(textIds(1, tokens), [tokens, 3]),
    async get(index: number): Promise<PreparedExample> {
      const at = usable[index];
      if (at === undefined) throw new RangeError(`prepared example ${index} is out of range (0 to ${usable.length - 1})`);
      const prepared = await preparer.example(at);
      if (prepared === null) throw new PrepareExamplesError(`${at.identity.origin}: the example could be used when prepared but not now`);
      return prepared.example;
    },
  };
}
