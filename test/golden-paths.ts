/** Where the shared golden vectors live (read-only), relative to this checkout. */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

/** dist/test/golden-paths.js -> <checkout>/../shared/golden */
export const GOLDEN_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../shared/golden");
export const goldenFile = (relative: string): string => resolve(GOLDEN_DIR, relative);
