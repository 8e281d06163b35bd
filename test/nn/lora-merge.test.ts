/** The LoRA merge graph: merged = w + b a, one Gemm, for any sizes. */
import { describe, test } from "node:test";
import { buildLoraMergeGraph } from "../../src/nn/lora-merge.js";
import { assertClose, engineForTests, outF32, randT, runOnce } from "../onnx/helpers.js";
import { matmulRef } from "./helpers.js";

const engine = engineForTests();

describe("buildLoraMergeGraph", () => {
  test("w [O, I] + b [O, R] a [R, I], at two sizes with one graph shape", async () => {
    for (const [O, I, R] of [
      [3, 5, 2],
      [8, 4, 1],
    ] as const) {
      const w = randT([O, I], O);
      const b = randT([O, R], I);
      const a = randT([R, I], R + 10);
      const out = await runOnce(engine, buildLoraMergeGraph(), { w, b, a });
      const ba = matmulRef(b.data, a.data, O, R, I);
      assertClose(
        outF32(out, "merged", [O, I]),
        ba.map((v, i) => v + (w.data[i] as number)),
        `merged ${O}x${I} rank ${R}`,
        { rtol: 1e-5, atol: 1e-6 },
      );
    }
  });
});
