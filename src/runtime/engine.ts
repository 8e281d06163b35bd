/**
 * The engine: the only way the rest of icedit reaches ONNX Runtime. It owns one worker thread
 * (runtime/worker.ts) that holds every session; calls from here are promises, so the caller's
 * event loop is never blocked by a session run.
 */
import { Worker } from "node:worker_threads";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Graph } from "../onnx/graph.js";
import { serializeModel } from "../onnx/model-proto.js";
import { inlineBytes, writeModelFiles } from "../onnx/model-files.js";
import { EngineClosedError, ProviderUnavailableError, SessionCreateError } from "./errors.js";
import type {
  ExecutionProvider,
  ModelSource,
  Reply,
  Request,
  RequestBody,
  RequestChannel,
  SessionDescription,
  SessionSettings,
} from "./protocol.js";
import { Session, type DeclaredInput } from "./session.js";
import { workerStackMb } from "./worker-stack.js";

export const DEFAULT_SETTINGS: SessionSettings = {
  executionProvider: "cpu",
  intraOpThreads: 0,
  optimization: "all",
  config: {},
  memArena: true,
  memPattern: true,
  profileFilePrefix: null,
};

/** Protobuf messages are limited to 2 GiB; stay well below. */
const INLINE_LIMIT_BYTES = 1024 ** 3;

const PROVIDER_HELP: Readonly<Record<ExecutionProvider, string>> = {
  cpu: "the CPU provider is part of every onnxruntime-node install",
  cuda:
    "install onnxruntime-node with its CUDA 12 provider: ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci " +
    "(needs an NVIDIA driver, CUDA 12 and cuDNN 9 on the machine)",
  webgpu: "the WebGPU provider needs a GPU adapter (Vulkan, Metal or D3D12) that Dawn accepts",
};

type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

/**
 * An engine keeps its process alive only while a request is in flight: an idle engine (made and
 * never used, or between runs) lets the program exit, as an idle socket with unref() does.
 */
export class Engine implements RequestChannel {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed: Error | null = null;
  private closeId = -1;
  private closeDone: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private providers: Promise<readonly string[]> | null = null;

  constructor() {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), {
      resourceLimits: { stackSizeMb: workerStackMb() },
      // The worker is a module file: an inherited --input-type (node -e scripts) would refuse it.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith("--input-type")),
    });
    this.worker.on("message", (reply: Reply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(new EngineClosedError(`the ONNX Runtime worker thread crashed: ${error.message}`)));
    this.worker.on("exit", (code) => this.fail(new EngineClosedError(`the ONNX Runtime worker thread exited (code ${code})`)));
    // After the listeners: adding a "message" listener refs the worker again.
    this.worker.unref();
  }

  private settle(reply: Reply): void {
    if (reply.id === this.closeId) this.closeDone?.();
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    waiter.resolve(reply);
  }

  private fail(error: Error): void {
    this.closed ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Sends one request to the worker; resolves with its reply (ok or not). */
  request(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...body, id } as Request, transfer);
    });
  }

  /** The execution providers this onnxruntime-node installation offers. */
  availableProviders(): Promise<readonly string[]> {
    this.providers ??= this.request({ kind: "providers" }).then((reply) => (reply.ok && reply.kind === "providers" ? reply.providers : []));
    return this.providers;
  }

  /**
   * Builds a session for `graph`: serialised in memory, or (when `path` is given) from that .onnx
   * file. Graphs whose inline weights exceed what one protobuf message may hold are written to a
   * temporary directory with external data first (removed once the session holds them).
   */
  async load(graph: Graph, settings: Partial<SessionSettings> = {}, path?: string): Promise<Session> {
    const dataDir = graph.externalDataDir;
    if (!path && dataDir !== null) {
      // External initializers resolve next to the .onnx file: write it (briefly) into their directory.
      const name = `.session-${process.pid}-${randomBytes(4).toString("hex")}`;
      const files = await writeModelFiles(graph, dataDir, name, inlineBytes(graph) > INLINE_LIMIT_BYTES ? 1024 : Number.POSITIVE_INFINITY);
      try {
        return await this.load(graph, settings, files.modelPath);
      } finally {
        await Promise.all([rm(files.modelPath, { force: true }), rm(files.dataPath, { force: true })]);
      }
    }
    if (!path && inlineBytes(graph) > INLINE_LIMIT_BYTES) {
      const dir = await mkdtemp(join(tmpdir(), "icedit-graph-"));
      try {
        const files = await writeModelFiles(graph, dir, graph.name);
        return await this.load(graph, settings, files.modelPath);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const full: SessionSettings = { ...DEFAULT_SETTINGS, ...settings };
    const available = await this.availableProviders();
    if (!available.includes(full.executionProvider)) {
      throw new ProviderUnavailableError(
        `execution provider "${full.executionProvider}" is not available (this install has: ${available.join(", ")}); ` +
          PROVIDER_HELP[full.executionProvider],
      );
    }
    let model: ModelSource;
    const transfer: ArrayBuffer[] = [];
    if (path) model = { path };
    else {
      const bytes = serializeModel(graph);
      model = { bytes };
      transfer.push(bytes.buffer as ArrayBuffer);
    }
    const reply = await this.request({ kind: "create", graph: graph.name, model, settings: full }, transfer);
    if (!reply.ok) throw new SessionCreateError(graph.name, `ONNX Runtime could not load graph ${graph.name}: ${reply.message}`);
    if (reply.kind !== "created") throw new SessionCreateError(graph.name, `unexpected reply ${reply.kind}`);
    const declared: DeclaredInput[] = graph.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape }));
    return new Session(this, graph.name, declared, reply.description as SessionDescription);
  }

  /**
   * Stops the worker thread; sessions of this engine can no longer run. Waiting callers are
   * rejected at once, but the thread is only terminated after a run in progress has returned
   * (terminating it inside a native run aborts the process).
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.closed) {
      await this.worker.terminate();
      return;
    }
    const finished = new Promise<void>((resolve) => {
      this.closeDone = resolve;
      this.worker.once("exit", () => resolve());
    });
    this.closeId = this.nextId++;
    this.worker.ref();
    this.worker.postMessage({ kind: "close", id: this.closeId } satisfies Request);
    this.fail(new EngineClosedError("the engine was closed"));
    await finished;
    await this.worker.terminate();
  }
}
