/** A micro-batch from its examples and draws: per-example tensors stacked on a new batch axis. */
import { shapeString, tensor, type Tensor } from "../../tensor.js";
import { TrainingDataError } from "./errors.js";
import type { MicroBatchDraws } from "./random.js";
import type { PreparedDataset, PreparedExample, StepBatch } from "./types.js";

/** [d...] x B -> [B, d...]; every part must have the same dims. */
function stack(parts: readonly Tensor<"f32">[], what: string, origins: readonly string[]): Tensor<"f32"> {
  const first = parts[0];
  if (first === undefined) throw new TrainingDataError(`a micro-batch needs at least one example (${what})`);
  const size = first.data.length;
  const out = new Float32Array(size * parts.length);
  parts.forEach((p, b) => {
    if (p.dims.length !== first.dims.length || p.dims.some((d, i) => d !== first.dims[i])) {
      throw new TrainingDataError(
        `${what} of ${origins[b]} has shape ${shapeString(p.dims)} but ${origins[0]} has ${shapeString(first.dims)}: ` +
          "examples of one batch must have the same size; prepare the data at one --size, or use --batch 1",
      );
    }
    out.set(p.data, b * size);
  });
  return tensor("f32", [parts.length, ...first.dims], out);
}

/** The batch the training step takes: txt and y of the dropped examples are the data set's empty prompt. */
export function assembleBatch(
  examples: readonly PreparedExample[],
  draws: MicroBatchDraws,
  emptyPrompt: PreparedDataset["emptyPrompt"],
): StepBatch {
  const origins = examples.map((e) => e.origin);
  const dropped = (i: number): boolean => draws.dropText[i] === true;
  const txt = examples.map((e, i) => (dropped(i) ? emptyPrompt.txt : e.txt));
  const y = examples.map((e, i) => (dropped(i) ? emptyPrompt.y : e.y));
  const dropOrigins = origins.map((o, i) => (dropped(i) ? `the empty prompt (dropped text of ${o})` : o));
  const x0 = stack(
    examples.map((e) => e.x0),
    "x0",
    origins,
  );
  if (x0.dims.length !== 3 || draws.noise.data.length !== x0.data.length) {
    throw new TrainingDataError(`x0 of ${origins[0]} has shape ${shapeString(x0.dims.slice(1))}, expected [L, 64]`);
  }
  return {
    x0,
    imgCond: stack(
      examples.map((e) => e.imgCond),
      "imgCond",
      origins,
    ),
    txt: stack(txt, "txt", dropOrigins),
    y: stack(y, "y", dropOrigins),
    t: draws.t,
    noise: { ...draws.noise, dims: x0.dims },
  };
}
