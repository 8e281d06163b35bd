import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile, symlink, readFile } from "node:fs/promises";
import { existsSync, readlinkSync, lstatSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { cachedSnapshot, hubCacheDir, isRepoId, repoFolderName } from "../../../src/weights/hub/hf-cache.js";
import { locate } from "../../../src/weights/hub/model-locator.js";
import { HubAccessError, ModelNotFoundError } from "../../../src/weights/hub/errors.js";
import { tempDirForTests } from "../helpers.js";

const HASH = "0123456789abcdef0123456789abcdef01234567";

/** A fake hub answering the calls @huggingface/hub makes: tree listing, paths-info, resolve (with Range). */
function fakeHub(files: Record<string, Uint8Array>, status = 200): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    calls.push(`${init?.method ?? "GET"} ${url.pathname}`);
    if (status !== 200)
      return new Response(JSON.stringify({ error: "Access to model is restricted" }), {
        status,
        headers: { "content-type": "application/json" },
      });
    if (url.pathname.startsWith("/api/models/org/demo/tree/")) {
      const list = Object.entries(files).map(([path, data]) => ({ type: "file", path, size: data.length, oid: `oid-${path.length}` }));
      return Response.json(list);
    }
    if (url.pathname.startsWith("/api/models/org/demo/paths-info/")) {
      const body = JSON.parse(String(init?.body)) as { paths: string[] };
      return Response.json(
        body.paths.map((path) => ({
          path,
          type: "file",
          size: files[path]?.length ?? 0,
          oid: `blob${Buffer.from(path).toString("hex")}`,
          lastCommit: { id: HASH, date: "2026-01-01T00:00:00Z", title: "x" },
        })),
      );
    }
    const resolve = /^\/org\/demo\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const data = files[decodeURIComponent(resolve[1] as string)];
      if (!data) return new Response("", { status: 404, headers: { "X-Error-Code": "EntryNotFound" } });
      const range = new Headers(init?.headers).get("Range");
      const headers = { ETag: '"etag"', "content-length": "" };
      if (range) {
        const [, a, b] = /bytes=(\d+)-(\d*)/.exec(range) ?? [];
        const start = Number(a);
        const end = b ? Math.min(Number(b), data.length - 1) : data.length - 1;
        const part = data.slice(start, end + 1);
        return new Response(part, {
          status: 206,
          headers: { ...headers, "content-length": String(part.length), "content-range": `bytes ${start}-${end}/${data.length}` },
        });
      }
      return new Response(data, { status: 200, headers: { ...headers, "content-length": String(data.length) } });
    }
    return new Response("not found", { status: 404 });
  };
  return { fetch: fake as typeof fetch, calls };
}

describe("Hugging Face cache and downloads", () => {
  const dir = tempDirForTests("icedit-hub-");

  it("finds the cache where Python's huggingface_hub puts it", () => {
    assert.equal(hubCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b" }), "/a");
    assert.equal(hubCacheDir({ HF_HOME: "/b" }), "/b/hub");
    assert.equal(hubCacheDir({}), join(homedir(), ".cache", "huggingface", "hub"));
    assert.equal(repoFolderName("black-forest-labs/FLUX.1-Fill-dev"), "models--black-forest-labs--FLUX.1-Fill-dev");
    assert.ok(isRepoId("RiverZ/normal-lora"));
    assert.ok(!isRepoId("./models/x"));
  });

  it("uses a snapshot Python downloaded (refs/main, symlinks to blobs) as it is", async () => {
    const cache = join(dir, "cache1");
    const repo = join(cache, repoFolderName("org/model"));
    await mkdir(join(repo, "blobs"), { recursive: true });
    await mkdir(join(repo, "refs"), { recursive: true });
    await mkdir(join(repo, "snapshots", HASH), { recursive: true });
    await writeFile(join(repo, "blobs", "abc"), "{}");
    await symlink(join("..", "..", "blobs", "abc"), join(repo, "snapshots", HASH, "model_index.json"));
    await writeFile(join(repo, "refs", "main"), `${HASH}\n`);
    assert.equal(cachedSnapshot("org/model", "main", cache), join(repo, "snapshots", HASH));
    assert.equal(cachedSnapshot("org/model", HASH, cache), join(repo, "snapshots", HASH));
    assert.equal(cachedSnapshot("org/model", "v2", cache), join(repo, "snapshots", HASH), "one snapshot without a ref is unambiguous");
    assert.equal(cachedSnapshot("org/other", "main", cache), null);
    const found = await locate("org/model", { cacheDir: cache, download: false });
    assert.deepEqual([found.from, found.path], ["cache", join(repo, "snapshots", HASH)]);
    assert.equal(await readFile(join(found.path, "model_index.json"), "utf8"), "{}");
  });

  it("downloads what is missing into the same cache layout, reporting progress", async () => {
    const cache = join(dir, "cache2");
    const files = {
      "model_index.json": new TextEncoder().encode('{"a":1}'),
      "vae/config.json": new Uint8Array(3000).fill(65),
      "flux1-fill-dev.safetensors": new Uint8Array(10),
    };
    const hub = fakeHub(files);
    const progress: string[] = [];
    const found = await locate("org/demo", {
      cacheDir: cache,
      fetch: hub.fetch,
      hubUrl: "http://hub.invalid",
      include: (p) => !p.endsWith(".safetensors"),
      onProgress: (p) => progress.push(`${p.file}:${p.bytes}/${p.total}`),
    });
    assert.equal(found.from, "download");
    assert.equal(found.path, join(cache, repoFolderName("org/demo"), "snapshots", HASH));
    assert.equal(await readFile(join(found.path, "model_index.json"), "utf8"), '{"a":1}');
    assert.ok(lstatSync(join(found.path, "vae", "config.json")).isSymbolicLink());
    assert.match(readlinkSync(join(found.path, "vae", "config.json")), /blobs/);
    assert.equal(existsSync(join(found.path, "flux1-fill-dev.safetensors")), false, "files not asked for are not fetched");
    assert.ok(progress.includes("vae/config.json:3000/3000"), progress.join(" "));
    assert.equal((await readFile(join(cache, repoFolderName("org/demo"), "refs", "main"), "utf8")).trim(), HASH);
    const again = await locate("org/demo", { cacheDir: cache, download: false });
    assert.equal(again.from, "cache");
  });

  it("says how to get access to a gated repo", async () => {
    const hub = fakeHub({}, 401);
    await assert.rejects(
      locate("org/demo", { cacheDir: join(dir, "cache3"), fetch: hub.fetch, hubUrl: "http://hub.invalid" }),
      (e: unknown) => {
        assert.ok(e instanceof HubAccessError);
        assert.match(e.message, /licence at https:\/\/huggingface\.co\/org\/demo/);
        assert.match(e.message, /HF_TOKEN/);
        return true;
      },
    );
  });

  it("offline: lists where it looked", async () => {
    const offline = (async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
    }) as unknown as typeof fetch;
    const cache = join(dir, "cache4");
    await assert.rejects(locate("org/absent", { cacheDir: cache, fetch: offline }), (e: unknown) => {
      assert.ok(e instanceof ModelNotFoundError);
      assert.match(e.message, /cannot be reached/);
      assert.match(e.message, /models--org--absent/);
      return true;
    });
    await assert.rejects(locate("./no/such/folder", { cacheDir: cache }), /not a Hugging Face repo id/);
  });
});
