/**
 * Timing a full-size transformer step on a few blocks: the random full-width transformer of
 * bench/fullsize-transformer.ts with D double and S single blocks, in one weight form, on a
 * 512x1024 diptych (2048 image + 512 text tokens). The per-block times are what the 57-block step
 * is extrapolated from; the profiled variant also returns ONNX Runtime's trace.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/runtime/engine.js";
import type { SessionSettings } from "../src/runtime/protocol.js";
import type { Session } from "../src/runtime/session.js";
import { FLUX_FILL_DEV, type FluxParams } from "../src/models/flux/params.js";
import { fluxFeeds } from "../src/models/flux/inputs.js";
import { accuracyLevelOf, type Precision } from "../src/components/precision.js";
import type { Tensor } from "../src/tensor.js";
import { writeFullSizeTransformer, type FullSizeTransformer } from "./fullsize-transformer.js";
import { randomFluxCall, layoutShape, type TokenLayout } from "./flux-call.js";
import { fluxForwardFlops } from "./flux-flops.js";
import type { NBitsFormat } from "./weight-formats.js";

export const FULL_LAYOUT: TokenLayout = { rows: 32, cols: 64, textTokens: 512 };

export interface Blocks {
  readonly double: number;
  readonly single: number;
}

export function nbitsOf(precision: Precision): NBitsFormat {
  if (precision.kind === "f32") throw new Error("the full-size step bench runs quantized forms only (f32 does not fit)");
  return { bits: precision.kind === "int8" ? 8 : 4, blockSize: precision.blockSize, accuracyLevel: accuracyLevelOf(precision) };
}

/** `base` (FLUX.1 Fill [dev] by default) cut to D double and S single blocks. */
export function fullParams(blocks: Blocks, base: FluxParams = FLUX_FILL_DEV): FluxParams {
  return { ...base, depth: blocks.double, depthSingleBlocks: blocks.single };
}

/** A written full-size transformer of a few blocks, opened; release() removes its files. */
export class FullSizeStep {
  private constructor(
    readonly params: FluxParams,
    readonly written: FullSizeTransformer,
    readonly session: Session,
    private readonly dir: string,
    private readonly layout: TokenLayout,
  ) {}

  static async open(
    engine: Engine,
    blocks: Blocks,
    form: NBitsFormat,
    settings: Partial<SessionSettings> = {},
    layout: TokenLayout = FULL_LAYOUT,
    base: FluxParams = FLUX_FILL_DEV,
  ): Promise<FullSizeStep> {
    const params = fullParams(blocks, base);
    const dir = await mkdtemp(join(tmpdir(), "icedit-step-"));
    try {
      const written = await writeFullSizeTransformer(dir, params, form);
      const profile = settings.profileFilePrefix === undefined ? {} : { profileFilePrefix: join(dir, "profile") };
      const session = await engine.load(written.graph, { ...settings, ...profile }, written.modelPath);
      return new FullSizeStep(params, written, session, dir, layout);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** One step on random inputs of `textTokens` text tokens (default: the layout's). */
  async run(textTokens = this.layout.textTokens): Promise<{ ms: number; out: Tensor<"f32"> }> {
    const feeds = fluxFeeds(this.params, randomFluxCall(this.params, { ...this.layout, textTokens }, 6));
    const result = await this.session.run(feeds);
    return { ms: result.ms, out: result.outputs["out"] as Tensor<"f32"> };
  }

  /** Releases the session; returns the profile trace's path when one was written (it is removed with the folder by dispose). */
  async release(): Promise<string | null> {
    await this.session.release();
    const trace = (await readdir(this.dir)).find((f) => f.startsWith("profile") && f.endsWith(".json"));
    return trace ? join(this.dir, trace) : null;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** FLOPs of the full 19+38-block step and of one block of each kind at the full layout. */
export function stepFlops(layout: TokenLayout = FULL_LAYOUT): {
  full: number;
  double: number;
  single: number;
  outside: number;
  attentionPerBlock: number;
} {
  const shape = layoutShape(layout);
  const at = (double: number, single: number): number => fluxForwardFlops(fullParams({ double, single }), shape);
  const outside = at(0, 0);
  return {
    full: at(FLUX_FILL_DEV.depth, FLUX_FILL_DEV.depthSingleBlocks),
    double: at(1, 0) - outside,
    single: at(0, 1) - outside,
    outside,
    attentionPerBlock: 4 * (shape.imageTokens + shape.textTokens) ** 2 * FLUX_FILL_DEV.hiddenSize,
  };
}
