/** Messages between the engine (caller's thread) and the worker thread that owns ONNX Runtime. */
import type { DType, Tensor } from "../tensor.js";

export type ExecutionProvider = "cpu" | "cuda" | "webgpu";
export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface SessionSettings {
  readonly executionProvider: ExecutionProvider;
  /** Intra-op threads; 0 lets ONNX Runtime choose (one per physical core). */
  readonly intraOpThreads: number;
  readonly optimization: OptimizationLevel;
  /** Session config entries, e.g. {"session.disable_prepacking": "1"}. */
  readonly config: Readonly<Record<string, string>>;
  /** ONNX Runtime's CPU memory arena and memory-pattern planning (both on by default, as in ORT). */
  readonly memArena: boolean;
  readonly memPattern: boolean;
  /**
   * When set, ONNX Runtime profiles every run of the session and writes its JSON trace to
   * `<prefix>_<date>.json` when the session is released (bench/step-profile.ts reads it).
   */
  readonly profileFilePrefix: string | null;
}

export type ModelSource = { readonly bytes: Uint8Array } | { readonly path: string };

export type Request =
  | {
      readonly id: number;
      readonly kind: "create";
      readonly graph: string;
      readonly model: ModelSource;
      readonly settings: SessionSettings;
    }
  | {
      readonly id: number;
      readonly kind: "run";
      readonly session: number;
      readonly feeds: Readonly<Record<string, Tensor>>;
      readonly outputs: readonly string[];
    }
  | { readonly id: number; readonly kind: "release"; readonly session: number }
  | { readonly id: number; readonly kind: "providers" }
  | { readonly id: number; readonly kind: "close" };

/** A request as a caller writes it: the engine adds the id. */
export type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** What a session needs of the engine: a way to send requests to the worker thread. */
export interface RequestChannel {
  request(body: RequestBody, transfer?: ArrayBuffer[]): Promise<Reply>;
}

export interface SessionDescription {
  readonly session: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly kind: "created"; readonly description: SessionDescription }
  | {
      readonly id: number;
      readonly ok: true;
      readonly kind: "ran";
      readonly outputs: Readonly<Record<string, Tensor>>;
      readonly ms: number;
    }
  | { readonly id: number; readonly ok: true; readonly kind: "released" }
  | { readonly id: number; readonly ok: true; readonly kind: "providers"; readonly providers: readonly string[] }
  | { readonly id: number; readonly ok: true; readonly kind: "closed" }
  | { readonly id: number; readonly ok: false; readonly message: string };

export const ORT_TYPE: Readonly<Partial<Record<DType, string>>> = {
  f32: "float32",
  f16: "float16",
  f64: "float64",
  i64: "int64",
  i32: "int32",
  i8: "int8",
  u8: "uint8",
  bool: "bool",
};
