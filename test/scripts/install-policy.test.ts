/**
 * How `npm ci` installs: onnxruntime-node's install script (a CUDA download from a host that many
 * machines cannot reach) is denied by package.json's allowScripts, the policy that npm keeps
 * honouring, and the scripts of the other native packages are reviewed and allowed. No project
 * config that npm warns about is left in .npmrc.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const checkout = fileURLToPath(new URL("../../../", import.meta.url));

interface PackageJson {
  readonly allowScripts?: Readonly<Record<string, boolean>>;
}
interface PackageLock {
  readonly packages: Readonly<Record<string, { readonly hasInstallScript?: boolean }>>;
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(checkout, name), "utf8")) as T;
const npm = (args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync("npm", args, { cwd: checkout, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });

describe("install policy", () => {
  it("denies onnxruntime-node's install script and covers every package that has one", () => {
    const policy = readJson<PackageJson>("package.json").allowScripts ?? {};
    assert.equal(policy["onnxruntime-node"], false);
    const withScripts = Object.entries(readJson<PackageLock>("package-lock.json").packages)
      .filter(([path, entry]) => path !== "" && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
    assert.ok(withScripts.includes("onnxruntime-node"));
    for (const name of withScripts) assert.ok(name in policy, `${name} has an install script that allowScripts does not cover`);
  });

  it("leaves no project config in .npmrc that npm warns about", () => {
    if (existsSync(join(checkout, ".npmrc")))
      assert.doesNotMatch(readFileSync(join(checkout, ".npmrc"), "utf8"), /onnxruntime-node-install/);
    const run = npm(["config", "list"]);
    assert.equal(run.status, 0, String(run.stderr));
    assert.doesNotMatch(String(run.stderr), /Unknown project config/);
  });
});
