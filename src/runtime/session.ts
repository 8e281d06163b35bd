/** A session of one graph, held by the engine's worker thread. Feeds are checked here first. */
import type { Dim, Shape } from "../onnx/graph.js";
import { shapeString, type DType, type Tensor } from "../tensor.js";
import { FeedError, RunError } from "./errors.js";
import type { RequestChannel, SessionDescription } from "./protocol.js";
import type { RunnableSession, RunResult } from "./runnable-session.js";

export interface DeclaredInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Whether `message` names `name` as a whole word (an input "x" is not found in "onnxruntime"). */
function mentions(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.])${escaped}($|[^\\w.])`).test(message);
}

export class Session implements RunnableSession {
  constructor(
    private readonly engine: RequestChannel,
    readonly graph: string,
    readonly inputs: readonly DeclaredInput[],
    private readonly description: SessionDescription,
  ) {}

  get outputNames(): readonly string[] {
    return this.description.outputNames;
  }

  /** Checks names, dtypes, ranks, fixed sizes and that a symbolic dim has one size across feeds. */
  checkFeeds(feeds: Readonly<Record<string, Tensor>>): void {
    const symbols = new Map<string, { size: number; input: string }>();
    for (const input of this.inputs) {
      const t = feeds[input.name];
      if (!t) throw new FeedError(this.graph, input.name, `graph ${this.graph}: input ${input.name} is missing`);
      if (t.dtype !== input.dtype) {
        throw new FeedError(this.graph, input.name, `graph ${this.graph}: input ${input.name} must be ${input.dtype}, got ${t.dtype}`);
      }
      const expected = shapeString(input.shape);
      if (t.dims.length !== input.shape.length) {
        throw new FeedError(
          this.graph,
          input.name,
          `graph ${this.graph}: input ${input.name} must have shape ${expected}, got ${shapeString(t.dims)}`,
        );
      }
      input.shape.forEach((dim: Dim, i) => {
        const size = t.dims[i] as number;
        if (typeof dim === "number" && dim !== size) {
          throw new FeedError(
            this.graph,
            input.name,
            `graph ${this.graph}: input ${input.name} must have shape ${expected}, got ${shapeString(t.dims)}`,
          );
        }
        if (typeof dim === "string") {
          const seen = symbols.get(dim);
          if (seen && seen.size !== size) {
            throw new FeedError(
              this.graph,
              input.name,
              `graph ${this.graph}: dimension ${dim} is ${seen.size} in input ${seen.input} but ${size} in input ${input.name}`,
            );
          }
          symbols.set(dim, { size, input: input.name });
        }
      });
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((i) => i.name === name)) {
        throw new FeedError(
          this.graph,
          name,
          `graph ${this.graph} has no input ${name} (inputs: ${this.inputs.map((i) => i.name).join(", ")})`,
        );
      }
    }
  }

  async run(feeds: Readonly<Record<string, Tensor>>, outputs: readonly string[] = this.outputNames): Promise<RunResult> {
    this.checkFeeds(feeds);
    const reply = await this.engine.request({ kind: "run", session: this.description.session, feeds, outputs });
    if (!reply.ok) {
      const input = this.inputs.find((i) => mentions(reply.message, i.name))?.name ?? null;
      const about = input ? ` (input ${input})` : "";
      throw new RunError(this.graph, input, `ONNX Runtime failed running graph ${this.graph}${about}: ${reply.message}`);
    }
    if (reply.kind !== "ran") throw new RunError(this.graph, null, `unexpected reply ${reply.kind}`);
    return { outputs: reply.outputs, ms: reply.ms };
  }

  async release(): Promise<void> {
    await this.engine.request({ kind: "release", session: this.description.session });
  }
}
