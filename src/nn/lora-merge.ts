/**
 * Folding a LoRA into a weight: W' = W + B A (B with every scale already applied), as a graph so
 * ONNX Runtime does the product (a 3072 x 12288 layer at rank 32 is 1.2 G multiply-adds).
 */
import { Graph } from "../onnx/graph.js";
import { gemm } from "../onnx/ops/index.js";

/** Inputs w [O, I], b [O, R], a [R, I]; output merged [O, I] = b a + w (one Gemm). */
export function buildLoraMergeGraph(): Graph {
  const g = new Graph("lora_merge");
  const w = g.addInput("w", "f32", ["O", "I"]);
  const b = g.addInput("b", "f32", ["O", "R"]);
  const a = g.addInput("a", "f32", ["R", "I"]);
  g.addOutput(gemm(b, a, w), "merged");
  return g;
}
