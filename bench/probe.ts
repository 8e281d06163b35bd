/** Can an execution provider create and run a session at all? A 2x2 Add, checked. */
import { Graph } from "../src/onnx/graph.js";
import { add } from "../src/onnx/ops/index.js";
import type { Engine } from "../src/runtime/engine.js";
import type { SessionSettings } from "../src/runtime/protocol.js";
import { tensor, type Tensor } from "../src/tensor.js";

/** Resolves when the provider ran the probe graph correctly; rejects with the provider's own error otherwise. */
export async function probeProvider(engine: Engine, settings: Partial<SessionSettings>): Promise<void> {
  const g = new Graph("probe");
  const a = g.addInput("a", "f32", [2, 2]);
  g.addOutput(add(a, a), "y");
  const session = await engine.load(g, settings);
  try {
    const y = (await session.run({ a: tensor("f32", [2, 2], Float32Array.of(1, 2, 3, 4)) })).outputs["y"] as Tensor<"f32">;
    if (y.data.join(",") !== "2,4,6,8") throw new Error(`the probe graph computed ${[...y.data].join(", ")} instead of 2, 4, 6, 8`);
  } finally {
    await session.release();
  }
}
