import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../../../src/runtime/engine.js";
import { FluxTransformer } from "../../../src/components/flux/transformer.js";
import { GOLDEN_T1 } from "../../../src/models/flux/params.js";
import type { FluxCall } from "../../../src/models/flux/inputs.js";
import { readFluxCall } from "../../../src/golden/components/flux-transformer.js";
import { openSafetensors } from "../../../src/weights/safetensors/open.js";
import { writeSafetensors } from "../../../src/weights/safetensors/writer.js";
import { MissingTensorError, ShapeMismatchError } from "../../../src/weights/errors.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import { goldenFile, goldenSkip } from "../../golden-paths.js";
import { stackCalls } from "../../models/lora-helpers.js";

async function runWith(engine: Engine, weightsFile: string, call: FluxCall): Promise<Tensor<"f32">> {
  const source = await openSafetensors(weightsFile);
  try {
    const model = await FluxTransformer.open(engine, { weights: source, params: GOLDEN_T1 });
    const { out } = await model.forward(call);
    await model.release();
    return out;
  } finally {
    await source.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe("FLUX transformer", { skip: goldenSkip }, () => {
  let engine: Engine;
  let call: FluxCall;
  let expectedOut: Tensor<"f32">;

  before(async () => {
    engine = new Engine();
    const inputs = await openSafetensors(goldenFile("cases/flux_transformer_b1.inputs.safetensors"));
    call = await readFluxCall(inputs);
    await inputs.close();
    const expected = await openSafetensors(goldenFile("cases/flux_transformer_b1.expected.safetensors"));
    expectedOut = await expected.readF32("out");
    await expected.close();
  });
  after(async () => engine.close());

  it("gives bit-identical outputs from the BFL and the diffusers file of the same weights", async () => {
    const bfl = await runWith(engine, goldenFile("weights/t1_bfl_f32.safetensors"), call);
    const diffusers = await runWith(engine, goldenFile("weights/t1_diffusers_f32.safetensors"), call);
    assert.deepEqual(bfl.dims, [1, 8, 64]);
    assert.equal(maxAbsDiff(bfl.data, diffusers.data), 0);
    assert.ok(maxAbsDiff(bfl.data, expectedOut.data) < 1e-4);
  });

  it("runs a batch of 2 with per-sample timesteps and guidance like two single calls", async () => {
    const other: FluxCall = {
      ...call,
      img: tensor(
        "f32",
        call.img.dims,
        call.img.data.map((v) => -0.5 * v),
      ),
      timesteps: tensor("f32", [1], Float32Array.of(0.31)),
      guidance: tensor("f32", [1], Float32Array.of(3.5)),
    };
    const file = goldenFile("weights/t1_bfl_f32.safetensors");
    const single = await runWith(engine, file, other);
    const batch = await runWith(engine, file, stackCalls(call, other));
    assert.deepEqual(batch.dims, [2, 8, 64]);
    const half = single.data.length;
    assert.ok(maxAbsDiff(batch.data.subarray(0, half), expectedOut.data) < 1e-4, "sample 0 matches the golden output");
    assert.ok(maxAbsDiff(batch.data.subarray(half), single.data) < 1e-5, "sample 1 matches its own single run");
    assert.ok(maxAbsDiff(single.data, expectedOut.data) > 1e-2, "the second sample really differs");
  });

  describe("bad checkpoints", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "icedit-flux-"));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    async function variant(name: string, edit: (m: Map<string, Tensor>) => void): Promise<string> {
      const source = await openSafetensors(goldenFile("weights/t1_bfl_f32.safetensors"));
      const tensors = new Map<string, Tensor>();
      for (const key of source.names()) tensors.set(key, await source.read(key));
      await source.close();
      edit(tensors);
      const path = join(dir, name);
      await writeSafetensors(path, tensors);
      return path;
    }

    it("says so when given a FLUX.1 dev checkpoint (64 input channels) instead of Fill's 384", async () => {
      const path = await variant("dev.safetensors", (m) => m.set("img_in.weight", tensor("f32", [128, 64])));
      await assert.rejects(runWith(engine, path, call), (error: unknown) => {
        assert.ok(error instanceof ShapeMismatchError);
        assert.match(error.message, /img_in\.weight/);
        assert.match(error.message, /FLUX\.1 \[dev\]/);
        assert.match(error.message, /384/);
        assert.match(error.message, /dev\.safetensors/);
        return true;
      });
    });

    it("names the missing tensor and the file", async () => {
      const path = await variant("missing.safetensors", (m) => m.delete("single_blocks.1.linear2.weight"));
      await assert.rejects(runWith(engine, path, call), (error: unknown) => {
        assert.ok(error instanceof MissingTensorError);
        assert.match(error.message, /single_blocks\.1\.linear2\.weight/);
        assert.match(error.message, /missing\.safetensors/);
        return true;
      });
    });

    it("refuses a block with the wrong width", async () => {
      const path = await variant("narrow.safetensors", (m) => m.set("double_blocks.0.img_mlp.0.weight", tensor("f32", [256, 128])));
      await assert.rejects(runWith(engine, path, call), ShapeMismatchError);
    });
  });
});
