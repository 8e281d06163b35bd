/**
 * The converted-weights cache: a directory of entries, one per (source files, model shape,
 * precision, block size), each a data file plus its manifest. An entry is used only after its
 * checks pass (manifest well formed, built from the same source files, data file of the recorded
 * size, and, whenever the file's stat changed since it was last checked, of the recorded SHA-256).
 * A failed check rebuilds the entry (or, with rebuild off, refuses it with a ConvertedCacheError).
 * Building an entry for a changed source removes the entries of the old one.
 */
import { createHash } from "node:crypto";
import { open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IceditError } from "../../errors.js";
import { ConvertedWriter, type ManifestHead } from "./writer.js";
import {
  DATA_FILE,
  MANIFEST_FILE,
  ManifestFormatError,
  parseManifest,
  type ConvertedManifest,
  type ConvertedPrecision,
  type SourceFileStamp,
} from "./manifest.js";

/** A cache entry failed its checks and may not be rebuilt here. */
export class ConvertedCacheError extends IceditError {
  constructor(
    readonly dir: string,
    problem: string,
  ) {
    super(`converted weights in ${dir}: ${problem}; run \`icedit convert\` again (or delete the directory) to rebuild them`);
  }
}

export interface ConvertRequest {
  /** "transformer" or "t5". */
  readonly component: string;
  readonly precision: ConvertedPrecision;
  readonly blockSize: number;
  readonly sources: readonly SourceFileStamp[];
  /** Everything else the stored tensors depend on: parameter names and shapes, which layers stay float, converter version. */
  readonly recipe: string;
}

export type CacheEvent =
  | { readonly kind: "hit"; readonly component: string; readonly dir: string; readonly hashed: boolean; readonly ms: number }
  | { readonly kind: "build"; readonly component: string; readonly dir: string; readonly reason: string }
  | { readonly kind: "built"; readonly component: string; readonly dir: string; readonly bytes: number; readonly ms: number }
  | { readonly kind: "removed"; readonly component: string; readonly dir: string; readonly reason: string };

export interface CacheOptions {
  /** false: refuse a damaged or outdated entry instead of rebuilding it. Default true. */
  readonly rebuild?: boolean;
  /** "always": hash the data file on every open; "changed" (default): when its stat changed since the last check. */
  readonly verify?: "changed" | "always";
  readonly onEvent?: (event: CacheEvent) => void;
  /** The device the entries are made for, recorded in their manifests (MatMulNBits form is the same on CPU, CUDA and WebGPU). Default "cpu". */
  readonly device?: string;
}

/** Streams a file through SHA-256. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(16 << 20);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

type Checked = { readonly manifest: ConvertedManifest; readonly hashed: boolean } | { readonly problem: string } | null;

export class ConvertedCache {
  constructor(
    readonly root: string,
    private readonly options: CacheOptions = {},
  ) {}

  keyOf(request: ConvertRequest): string {
    const { component, precision, blockSize, sources, recipe } = request;
    return createHash("sha256").update(JSON.stringify({ component, precision, blockSize, sources, recipe })).digest("hex");
  }

  dirOf(request: ConvertRequest): string {
    return join(this.root, `${request.component}-${request.precision}-b${request.blockSize}-${this.keyOf(request).slice(0, 16)}`);
  }

  /** The checked entry for `request`, building it with `build` when absent, damaged or outdated. */
  async open(
    request: ConvertRequest,
    build: (writer: ConvertedWriter) => Promise<void>,
  ): Promise<{ dir: string; manifest: ConvertedManifest; built: boolean }> {
    const dir = this.dirOf(request);
    const key = this.keyOf(request);
    const started = performance.now();
    const checked = await this.check(dir, key);
    if (checked && "manifest" in checked) {
      this.options.onEvent?.({ kind: "hit", component: request.component, dir, hashed: checked.hashed, ms: performance.now() - started });
      return { dir, manifest: checked.manifest, built: false };
    }
    if (checked && this.options.rebuild === false) throw new ConvertedCacheError(dir, checked.problem);
    this.options.onEvent?.({ kind: "build", component: request.component, dir, reason: checked ? checked.problem : "not converted yet" });
    const writer = await ConvertedWriter.create(this.root, key.slice(0, 16));
    let manifest: ConvertedManifest;
    try {
      await build(writer);
      const head: ManifestHead = {
        key,
        component: request.component,
        precision: request.precision,
        blockSize: request.blockSize,
        device: this.options.device ?? "cpu",
        createdAt: new Date().toISOString(),
        sources: request.sources,
      };
      manifest = await writer.finish(head, dir);
    } catch (error) {
      await writer.abandon();
      throw error;
    }
    this.options.onEvent?.({ kind: "built", component: request.component, dir, bytes: manifest.data.size, ms: manifest.buildMs });
    await this.removeOutdated(request, dir);
    return { dir, manifest, built: true };
  }

  /** null: no entry; a problem: an entry that must not be used; else the manifest. */
  private async check(dir: string, key: string): Promise<Checked> {
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST_FILE), "utf8");
    } catch {
      return null;
    }
    let manifest: ConvertedManifest;
    try {
      manifest = parseManifest(text);
    } catch (error) {
      return { problem: `the manifest is damaged (${error instanceof ManifestFormatError ? error.message : String(error)})` };
    }
    if (manifest.key !== key) return { problem: "the manifest belongs to another conversion" };
    const dataPath = join(dir, DATA_FILE);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(dataPath);
    } catch {
      return { problem: `${DATA_FILE} is missing` };
    }
    if (info.size < manifest.data.size) return { problem: `${DATA_FILE} is truncated (${info.size} of ${manifest.data.size} bytes)` };
    if (info.size !== manifest.data.size)
      return { problem: `${DATA_FILE} has ${info.size} bytes, the manifest says ${manifest.data.size}` };
    const unchanged = info.size === manifest.verified.size && info.mtimeMs === manifest.verified.mtimeMs;
    if (unchanged && this.options.verify !== "always") return { manifest, hashed: false };
    const sha256 = await sha256File(dataPath);
    if (sha256 !== manifest.data.sha256) return { problem: `${DATA_FILE} does not have the recorded SHA-256 (its content changed)` };
    const restamped: ConvertedManifest = { ...manifest, verified: { size: info.size, mtimeMs: info.mtimeMs } };
    const temp = join(dir, `.${MANIFEST_FILE}.${process.pid}.tmp`);
    await writeFile(temp, JSON.stringify(restamped));
    await rename(temp, join(dir, MANIFEST_FILE));
    return { manifest: restamped, hashed: true };
  }

  /** Removes entries of the same component made from an earlier version of the same source files. */
  private async removeOutdated(request: ConvertRequest, keep: string): Promise<void> {
    const paths = new Set(request.sources.map((s) => s.path));
    for (const name of await readdir(this.root)) {
      const dir = join(this.root, name);
      if (dir === keep || !name.startsWith(`${request.component}-`)) continue;
      let manifest: ConvertedManifest;
      try {
        manifest = parseManifest(await readFile(join(dir, MANIFEST_FILE), "utf8"));
      } catch {
        continue;
      }
      const sameFiles = manifest.sources.length === paths.size && manifest.sources.every((s) => paths.has(s.path));
      const stale = manifest.sources.some((s) =>
        request.sources.some((r) => r.path === s.path && (r.size !== s.size || r.mtimeMs !== s.mtimeMs)),
      );
      if (sameFiles && stale) {
        await rm(dir, { recursive: true, force: true });
        this.options.onEvent?.({ kind: "removed", component: request.component, dir, reason: "its source files changed" });
      }
    }
  }
}
