/**
 * node dist/bench/external-scenes/main.js DIR [--count N] [--seed S] [--size PX]: draws a folder of
 * external scenes (draw.ts) for `icedit eval-demo --scenes DIR`.
 */
import { resolve } from "node:path";
import { benchFlags, flagNumber } from "../flags.js";
import { EXTERNAL_SEED, EXTERNAL_SIZE, writeExternalScenes } from "./draw.js";

const dir = benchFlags().sections[0];
if (dir === undefined) {
  process.stderr.write("usage: node dist/bench/external-scenes/main.js DIR [--count N] [--seed S] [--size PX]\n");
  process.exitCode = 2;
} else {
  const count = flagNumber("count", 200);
  const lines = await writeExternalScenes(resolve(dir), {
    count,
    seed: flagNumber("seed", EXTERNAL_SEED),
    size: flagNumber("size", EXTERNAL_SIZE),
  });
  process.stdout.write(`wrote ${lines.length} edits to ${resolve(dir)} (edits.jsonl, scene-<i>.png, target-<i>.png)\n`);
}
