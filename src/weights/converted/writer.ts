/**
 * Writes one converted-weights entry: tensors appended one at a time to a data file (64-byte
 * aligned, hashed as written), then the manifest. Everything goes to a private build directory that
 * is renamed into place at the end, so a crash mid-way leaves no entry that looks complete.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Tensor } from "../../tensor.js";
import type { PackedNBits } from "../quant/index.js";
import { CONVERTED_FORMAT, DATA_FILE, MANIFEST_FILE, type ConvertedManifest, type StoredPacking, type StoredTensor } from "./manifest.js";

const ALIGNMENT = 64;

export type ManifestHead = Omit<ConvertedManifest, "format" | "tensors" | "packings" | "data" | "verified" | "buildMs">;

export class ConvertedWriter {
  private readonly tensors: Record<string, StoredTensor> = {};
  private readonly packings: Record<string, StoredPacking> = {};
  private readonly hash = createHash("sha256");
  private offset = 0;
  private readonly started = performance.now();

  private constructor(
    readonly buildDir: string,
    private readonly handle: FileHandle,
  ) {}

  /** Starts a build in a fresh hidden directory under `root`. */
  static async create(root: string, key: string): Promise<ConvertedWriter> {
    await mkdir(root, { recursive: true });
    const buildDir = join(root, `.build-${key}-${process.pid}-${randomBytes(4).toString("hex")}`);
    await mkdir(buildDir);
    return new ConvertedWriter(buildDir, await open(join(buildDir, DATA_FILE), "wx"));
  }

  private async append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
    this.hash.update(bytes);
    this.offset += bytes.length;
  }

  async addTensor(name: string, t: Tensor): Promise<void> {
    const pad = (ALIGNMENT - (this.offset % ALIGNMENT)) % ALIGNMENT;
    if (pad > 0) await this.append(new Uint8Array(pad));
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    this.tensors[name] = { dtype: t.dtype, dims: [...t.dims], offset: this.offset, length: bytes.length };
    await this.append(bytes);
  }

  /** A linear weight in MatMulNBits form, stored under packedNames(path). */
  async addPacked(path: string, p: PackedNBits): Promise<void> {
    const names = packedNames(path, p.bits);
    await this.addTensor(names.b, p.b);
    await this.addTensor(names.scales, p.scales);
    if (p.zeroPoints) await this.addTensor(names.zeroPoints, p.zeroPoints);
    this.packings[path] = { bits: p.bits, blockSize: p.blockSize, N: p.N, K: p.K, zeroPoints: p.zeroPoints !== null };
  }

  /** Syncs the data, writes the manifest and renames the build directory to `finalDir` (replacing an entry a concurrent build may have put there). */
  async finish(head: ManifestHead, finalDir: string): Promise<ConvertedManifest> {
    await this.handle.sync();
    await this.handle.close();
    const info = await stat(join(this.buildDir, DATA_FILE));
    const manifest: ConvertedManifest = {
      format: CONVERTED_FORMAT,
      ...head,
      tensors: this.tensors,
      packings: this.packings,
      data: { size: this.offset, sha256: this.hash.digest("hex") },
      verified: { size: info.size, mtimeMs: info.mtimeMs },
      buildMs: Math.round(performance.now() - this.started),
    };
    const manifestPath = join(this.buildDir, MANIFEST_FILE);
    await writeFile(manifestPath, JSON.stringify(manifest));
    const handle = await open(manifestPath, "r+");
    await handle.sync();
    await handle.close();
    await rm(finalDir, { recursive: true, force: true });
    await rename(this.buildDir, finalDir);
    return manifest;
  }

  /** Drops a build that failed or was cancelled. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.buildDir, { recursive: true, force: true });
  }
}

export function packedNames(path: string, bits: 4 | 8): { b: string; scales: string; zeroPoints: string } {
  return { b: `${path}.q${bits}`, scales: `${path}.scales`, zeroPoints: `${path}.zero_points` };
}
