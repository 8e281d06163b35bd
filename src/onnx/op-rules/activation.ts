/** Shape rules of activations and normalisations: the output is shaped like the input. */
import { opSchemas, type OpSchema, type ShapeQuery } from "../op-schema.js";
import type { OutputSpec } from "../ir.js";
import { sameAsInput } from "./elementwise.js";

function gelu(q: ShapeQuery): OutputSpec[] {
  const approximate = q.attributes["approximate"];
  if (approximate && (approximate.type !== "string" || !["tanh", "none"].includes(approximate.value))) {
    q.fail(`approximate must be "tanh" or "none"`);
  }
  return sameAsInput(q);
}

/** An op over axis `axis` of input 0 (Softmax, the last-axis normalisations). */
function alongAxis(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const axis = q.int("axis", -1);
  if (axis < -x.shape.length || axis >= x.shape.length) q.fail(`axis ${axis} is out of range for ${x.name} of rank ${x.shape.length}`);
  return sameAsInput(q);
}

/** LayerNormalization, RMSNormalization: the scale (and bias) must fit the normalised axes. */
function lastAxisNorm(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  const scale = q.input(1, "scale");
  const last = x.shape[x.shape.length - 1];
  const size = scale.shape[scale.shape.length - 1];
  if (typeof last === "number" && typeof size === "number" && size !== last) {
    q.fail(`scale ${scale.name} has ${size} entries, the normalised axis of ${x.name} ${last}`);
  }
  return alongAxis(q);
}

function instanceNorm(q: ShapeQuery): OutputSpec[] {
  const x = q.input(0);
  if (x.shape.length < 3) q.fail(`input ${x.name} must be [N, C, *spatial], got rank ${x.shape.length}`);
  q.input(1, "scale");
  q.input(2, "bias");
  return sameAsInput(q);
}

export const ACTIVATION_OPS: readonly OpSchema[] = opSchemas({
  Gelu: gelu,
  Softmax: alongAxis,
  LayerNormalization: lastAxisNorm,
  RMSNormalization: lastAxisNorm,
  InstanceNormalization: instanceNorm,
});
