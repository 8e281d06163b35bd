/**
 * Where the shared golden vectors live (read-only): $ICEDIT_GOLDEN_DIR, or ../shared/golden beside
 * this checkout. A fresh clone has none: the tests that need them are skipped with `goldenSkip` as
 * the reason, and the runner says so in one line.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

/** dist/test/golden-paths.js -> <checkout>/../shared/golden */
const BESIDE_CHECKOUT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../shared/golden");

export const GOLDEN_DIR = resolve(process.env["ICEDIT_GOLDEN_DIR"] || BESIDE_CHECKOUT);
export const goldenFile = (relative: string): string => resolve(GOLDEN_DIR, relative);

/** Whether the golden vectors are there (their manifest.json is the mark). */
export const haveGolden = existsSync(resolve(GOLDEN_DIR, "manifest.json"));

/** `skip` option of a test that needs the golden vectors: false when they are there, else why not. */
export const goldenSkip: string | false = haveGolden
  ? false
  : `golden vectors not found at ${GOLDEN_DIR} (put them there or set ICEDIT_GOLDEN_DIR=DIR)`;
