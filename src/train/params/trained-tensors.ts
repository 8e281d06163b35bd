/**
 * The trained tensors of a training graph, shared by every training step (adapter, full
 * transformer, VAE): each is a graph input under its key, checked against its shape before a
 * run, and has a gradient output `grad.<key>` read back after it.
 */
import { shapeString, type Tensor } from "../../tensor.js";
import { gradOutput } from "../step/flow-loss.js";

/** A trained tensor: its key (the graph input's name) and its shape. */
export interface TrainedSpec {
  readonly key: string;
  readonly shape: readonly number[];
}

/**
 * `values[key]` for every spec, present and of its shape, added to `feeds`. `what` names the
 * tensors in messages ("adapter tensor", "VAE weight", ...); `fail` makes the step's own error.
 */
export function feedTrained(
  feeds: Record<string, Tensor>,
  specs: readonly TrainedSpec[],
  values: ReadonlyMap<string, Tensor<"f32">>,
  what: string,
  fail: (message: string) => Error,
): void {
  for (const spec of specs) feeds[spec.key] = checkTrained(spec, values.get(spec.key), what, fail);
}

/** `value` if present and of the spec's shape, else the step's error. */
export function checkTrained(
  spec: TrainedSpec,
  value: Tensor<"f32"> | undefined,
  what: string,
  fail: (message: string) => Error,
): Tensor<"f32"> {
  if (!value) throw fail(`no value given for ${what} ${spec.key}`);
  if (value.dims.length !== spec.shape.length || value.dims.some((d, i) => d !== spec.shape[i])) {
    throw fail(`${what} ${spec.key} has shape ${shapeString(value.dims)}, the model ${shapeString(spec.shape)}`);
  }
  return value;
}

/** The gradient output of every spec, by key. */
export function trainedGrads(outputs: Readonly<Record<string, Tensor>>, specs: readonly TrainedSpec[]): Map<string, Tensor<"f32">> {
  return new Map(specs.map((spec) => [spec.key, outputs[gradOutput(spec.key)] as Tensor<"f32">]));
}

/** The value of a scalar f32 output. */
export function scalarOutput(outputs: Readonly<Record<string, Tensor>>, name: string): number {
  return (outputs[name] as Tensor<"f32">).data[0] as number;
}
