import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Tensor } from "../../src/tensor.js";
import { MissingTensorError, ShapeMismatchError } from "../../src/weights/errors.js";
import { bflView } from "../../src/weights/layouts/bfl-view.js";
import { UnknownLayoutError, UnmappedTensorError, WrongLayoutError } from "../../src/weights/layouts/errors.js";
import { bflToDiffusers, diffusersToBfl } from "../../src/weights/layouts/flux-convert.js";
import { detectFluxLayout, fluxKeyFormat } from "../../src/weights/layouts/flux-detect.js";
import { memorySource } from "../../src/weights/memory-source.js";
import { openSafetensors } from "../../src/weights/safetensors/open.js";
import type { TensorSource } from "../../src/weights/source.js";
import { bytesOf, GOLDEN } from "./helpers.js";
import { goldenSkip, haveGolden } from "../golden-paths.js";

let bfl: TensorSource;
let diffusers: TensorSource;
let bfl16: TensorSource;
before(async () => {
  if (!haveGolden) return;
  bfl = await openSafetensors(join(GOLDEN, "t1_bfl_f32.safetensors"));
  diffusers = await openSafetensors(join(GOLDEN, "t1_diffusers_f32.safetensors"));
  bfl16 = await openSafetensors(join(GOLDEN, "t1_bfl_bf16.safetensors"));
});
after(async () => {
  await Promise.all([bfl?.close(), diffusers?.close(), bfl16?.close()]);
});

/** Every tensor of `want` equals the same-named tensor of `got` (dtype, dims, bytes); same names. */
async function assertSameTensors(got: ReadonlyMap<string, Tensor> | TensorSource, want: TensorSource): Promise<void> {
  const names = got instanceof Map ? [...got.keys()] : (got as TensorSource).names();
  assert.deepEqual([...names].sort(), want.names().sort());
  for (const name of want.names()) {
    const g = got instanceof Map ? got.get(name) : await (got as TensorSource).read(name);
    const w = await want.read(name);
    assert.ok(g !== undefined, name);
    assert.equal(g.dtype, w.dtype, name);
    assert.deepEqual(g.dims, w.dims, name);
    assert.ok(Buffer.from(bytesOf(g.data)).equals(bytesOf(w.data)), `${name} differs`);
  }
}

/** In-memory copy of a source with renamed / dropped / extra tensors. */
async function copyOf(
  src: TensorSource,
  edit: (name: string) => string | null = (n) => n,
  extra: Record<string, Tensor> = {},
): Promise<TensorSource> {
  const map = new Map<string, Tensor>();
  for (const name of src.names()) {
    const to = edit(name);
    if (to !== null) map.set(to, await src.read(name));
  }
  for (const [k, v] of Object.entries(extra)) map.set(k, v);
  return memorySource(map, "edited.safetensors");
}

describe("FLUX layout detection", { skip: goldenSkip }, () => {
  test("golden files: 84 BFL and 112 diffusers tensors", () => {
    assert.equal(bfl.names().length, 84);
    assert.equal(diffusers.names().length, 112);
    assert.equal(detectFluxLayout(bfl.names()), "bfl");
    assert.equal(detectFluxLayout(diffusers.names()), "diffusers");
  });

  test("ComfyUI and transformer. prefixes", () => {
    const comfy = ["first_stage_model.decoder.conv_in.weight", ...bfl.names().map((n) => `model.diffusion_model.${n}`)];
    assert.deepEqual(fluxKeyFormat(comfy), { layout: "bfl", prefix: "model.diffusion_model." });
    assert.deepEqual(fluxKeyFormat(diffusers.names().map((n) => `transformer.${n}`)), { layout: "diffusers", prefix: "transformer." });
  });

  test("neither layout: UnknownLayoutError with sample keys", () => {
    const names = ["encoder.conv_in.weight", "decoder.conv_out.bias"];
    assert.throws(
      () => detectFluxLayout(names, "vae.safetensors"),
      (e: unknown) =>
        e instanceof UnknownLayoutError &&
        e.message.includes("vae.safetensors") &&
        e.message.includes("not a FLUX transformer") &&
        e.message.includes("encoder.conv_in.weight"),
    );
    assert.throws(() => detectFluxLayout([]), UnknownLayoutError);
  });
});

describe("FLUX layout conversion (golden T1, bitwise)", { skip: goldenSkip }, () => {
  test("diffusersToBfl(diffusers file) == BFL file", async () => {
    await assertSameTensors(await diffusersToBfl(diffusers), bfl);
  });

  test("bflToDiffusers(BFL file) == diffusers file", async () => {
    await assertSameTensors(await bflToDiffusers(bfl), diffusers);
  });

  test("bflView(diffusers file) reads every BFL tensor exactly; entries match the BFL file", async () => {
    const view = bflView(diffusers);
    await assertSameTensors(view, bfl);
    for (const name of bfl.names()) {
      const got = view.entry(name);
      const want = bfl.entry(name);
      assert.equal(got.name, name);
      assert.equal(got.dtype, want.dtype);
      assert.deepEqual(got.dims, want.dims);
      assert.equal(got.byteLength, want.byteLength);
    }
    const qkv = view.entry("double_blocks.0.img_attn.qkv.weight");
    assert.equal(qkv.fileOffset, -1);
    assert.deepEqual(
      qkv.derivedFrom?.map((e) => e.name),
      ["transformer_blocks.0.attn.to_q.weight", "transformer_blocks.0.attn.to_k.weight", "transformer_blocks.0.attn.to_v.weight"],
    );
    assert.equal(view.entry("img_in.weight").fileOffset, diffusers.entry("x_embedder.weight").fileOffset);
    const readF32 = await view.readF32("single_blocks.1.linear1.bias");
    assert.deepEqual(readF32.data, (await bfl.read("single_blocks.1.linear1.bias")).data);
    assert.throws(() => view.entry("double_blocks.9.img_mod.lin.weight"), MissingTensorError);
  });

  test("bflView of a BFL file is the file itself; of a prefixed one, a renaming view", async () => {
    assert.equal(bflView(bfl), bfl);
    const comfy = await copyOf(bfl, (n) => `model.diffusion_model.${n}`, {
      "first_stage_model.x": { dtype: "u8", dims: [1], data: Uint8Array.from([1]) },
    });
    await assertSameTensors(bflView(comfy), bfl);
  });

  test("prefixed diffusers and bf16 tensors keep working, in their dtype", async () => {
    const prefixed = await copyOf(diffusers, (n) => `transformer.${n}`);
    await assertSameTensors(await diffusersToBfl(prefixed), bfl);
    const diffusers16 = memorySource(await bflToDiffusers(bfl16), "d16.safetensors");
    await assertSameTensors(await diffusersToBfl(diffusers16), bfl16);
    await assertSameTensors(bflView(diffusers16), bfl16);
  });
});

describe("FLUX layout errors", { skip: goldenSkip }, () => {
  test("a converter given the other layout", async () => {
    await assert.rejects(diffusersToBfl(bfl), (e: unknown) => e instanceof WrongLayoutError && e.message.includes(bfl.description));
    await assert.rejects(bflToDiffusers(diffusers), WrongLayoutError);
  });

  test("an incomplete fused group names the missing part", async () => {
    const src = await copyOf(diffusers, (n) => (n === "transformer_blocks.1.attn.to_k.weight" ? null : n));
    assert.throws(
      () => bflView(src),
      (e: unknown) =>
        e instanceof MissingTensorError && e.tensor === "transformer_blocks.1.attn.to_k.weight" && e.message.includes("edited.safetensors"),
    );
  });

  test("tensors with no counterpart (fused to_qkv) are refused", async () => {
    const extra = { "transformer_blocks.0.attn.to_qkv.weight": { dtype: "f32" as const, dims: [1], data: new Float32Array(1) } };
    const src = await copyOf(diffusers, (n) => n, extra);
    await assert.rejects(diffusersToBfl(src), (e: unknown) => e instanceof UnmappedTensorError && e.message.includes("to_qkv"));
  });

  test("a part with the wrong number of rows", async () => {
    const bad = (await diffusers.read("single_transformer_blocks.0.proj_mlp.bias")).data.slice(0, 500);
    const src = await copyOf(diffusers, (n) => (n === "single_transformer_blocks.0.proj_mlp.bias" ? null : n), {
      "single_transformer_blocks.0.proj_mlp.bias": { dtype: "f32", dims: [500], data: bad },
    });
    assert.throws(
      () => bflView(src),
      (e: unknown) =>
        e instanceof ShapeMismatchError &&
        e.message.includes("proj_mlp.bias") &&
        e.message.includes("[512]") &&
        e.message.includes("[500]"),
    );
  });
});
