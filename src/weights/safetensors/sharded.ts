/**
 * A sharded checkpoint: `*.safetensors.index.json` = {"metadata": {...}, "weight_map": {name: shard}}
 * with the shards in the index's folder. Every shard is opened and checked on open.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Tensor } from "../../tensor.js";
import { ClosedSourceError, InvalidShardIndexError, MissingFileError, MissingTensorError } from "../errors.js";
import { SafetensorsFile } from "./file.js";
import { sampleNames } from "../sample-names.js";
import type { TensorEntry, TensorSource } from "../source.js";

interface ShardIndex {
  readonly metadata: Record<string, string>;
  readonly weightMap: ReadonlyMap<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the index JSON; metadata values are stringified (HF writes total_size as a number). */
export function parseShardIndex(text: string, file: string): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidShardIndexError(file, `not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
  if (!isRecord(json)) throw new InvalidShardIndexError(file, "the JSON must be an object");
  const map = json["weight_map"];
  if (!isRecord(map)) throw new InvalidShardIndexError(file, `"weight_map" must be an object mapping tensor names to shard file names`);
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string" || shard === "") {
      throw new InvalidShardIndexError(file, `"weight_map" entry for ${name} is ${JSON.stringify(shard)}, not a shard file name`);
    }
    weightMap.set(name, shard);
  }
  const meta = json["metadata"] ?? {};
  if (!isRecord(meta)) throw new InvalidShardIndexError(file, `"metadata" must be an object`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) metadata[key] = typeof value === "string" ? value : JSON.stringify(value);
  return { metadata, weightMap };
}

export class ShardedSource implements TensorSource {
  private closed = false;

  private constructor(
    readonly description: string,
    private readonly shardOf: ReadonlyMap<string, SafetensorsFile>,
    private readonly shards: readonly SafetensorsFile[],
    private readonly meta: Record<string, string>,
  ) {}

  static async open(indexPath: string): Promise<ShardedSource> {
    let text: string;
    try {
      text = await readFile(indexPath, "utf8");
    } catch (cause) {
      throw new MissingFileError(indexPath, "the sharded-checkpoint index cannot be read: check the path", { cause });
    }
    const index = parseShardIndex(text, indexPath);
    const dir = dirname(indexPath);
    const opened = new Map<string, SafetensorsFile>();
    try {
      for (const shard of new Set(index.weightMap.values())) {
        const path = resolve(dir, shard);
        try {
          opened.set(shard, await SafetensorsFile.open(path));
        } catch (error) {
          if (!(error instanceof MissingFileError)) throw error;
          throw new MissingFileError(
            path,
            `shard ${shard} listed in ${indexPath} is missing: download every shard into the index's folder`,
            { cause: error },
          );
        }
      }
      const shardOf = new Map<string, SafetensorsFile>();
      for (const [name, shard] of index.weightMap) {
        const file = opened.get(shard);
        if (file === undefined) continue;
        if (!file.has(name)) {
          throw new MissingTensorError(
            name,
            file.description,
            `${indexPath} lists it in this shard; the index and shards do not match (re-download them together)`,
          );
        }
        shardOf.set(name, file);
      }
      const meta: Record<string, string> = {};
      for (const file of opened.values()) for (const [k, v] of Object.entries(file.metadata())) meta[k] ??= v;
      return new ShardedSource(indexPath, shardOf, [...opened.values()], { ...meta, ...index.metadata });
    } catch (error) {
      await Promise.all([...opened.values()].map((f) => f.close()));
      throw error;
    }
  }

  names(): string[] {
    return [...this.shardOf.keys()];
  }

  has(name: string): boolean {
    return this.shardOf.has(name);
  }

  private shard(name: string): SafetensorsFile {
    const file = this.shardOf.get(name);
    if (file === undefined) throw new MissingTensorError(name, this.description, sampleNames(this.names()));
    if (this.closed) throw new ClosedSourceError(this.description, name);
    return file;
  }

  entry(name: string): TensorEntry {
    return this.shard(name).entry(name);
  }

  async read(name: string): Promise<Tensor> {
    return this.shard(name).read(name);
  }

  async readF32(name: string): Promise<Tensor<"f32">> {
    return this.shard(name).readF32(name);
  }

  /** Shards' __metadata__ (first shard wins), overlaid with the index's "metadata". */
  metadata(): Record<string, string> {
    return { ...this.meta };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
