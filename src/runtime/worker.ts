/**
 * The worker thread that owns ONNX Runtime. session.run is a synchronous native call in
 * onnxruntime-node, so it runs here and the caller's event loop stays free. Runs are serialised
 * by the message queue: one request at a time.
 */
import { parentPort } from "node:worker_threads";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ort from "onnxruntime-node";
import type { DType, Tensor } from "../tensor.js";
import { ORT_TYPE, type Reply, type Request, type SessionSettings } from "./protocol.js";

const DTYPE_OF: Readonly<Record<string, DType>> = {
  float32: "f32",
  float16: "f16",
  float64: "f64",
  int64: "i64",
  int32: "i32",
  int8: "i8",
  uint8: "u8",
  bool: "bool",
};

/**
 * Providers that can actually load: onnxruntime-node lists CUDA and TensorRT even when their
 * libraries were not installed (bundled: false), so look for the library beside the binding.
 */
function installedProviders(): string[] {
  const binding = dirname(createRequire(import.meta.url).resolve("onnxruntime-node"));
  const binDir = join(binding, "..", "bin", "napi-v6", process.platform, process.arch);
  const library = (name: string): string =>
    process.platform === "win32" ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
  return ort
    .listSupportedBackends()
    .filter((b) => b.bundled || existsSync(join(binDir, library(b.name))))
    .map((b) => b.name);
}

const sessions = new Map<number, ort.InferenceSession>();
/** Sessions created with profiling on: their trace is written when they are released. */
const profiled = new Set<number>();
let nextSession = 1;

function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new Error(`dtype ${t.dtype} cannot be fed to ONNX Runtime from JavaScript`);
  return new ort.Tensor(type as "float32", t.data as Float32Array, t.dims);
}

function fromOrt(name: string, value: ort.Tensor): Tensor {
  const dtype = DTYPE_OF[value.type];
  if (!dtype) throw new Error(`output ${name} has dtype ${value.type}, which icedit does not read`);
  const data = value.data as Tensor["data"];
  // Copy when the data is a view into ORT-owned memory, so the buffer can be transferred.
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  return { dtype, dims: [...value.dims], data: own };
}

function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const extra: Record<string, Record<string, string>> = {};
  for (const [key, value] of Object.entries(settings.config)) {
    const dot = key.indexOf(".");
    const group = key.slice(0, dot);
    extra[group] = { ...(extra[group] ?? {}), [key.slice(dot + 1)]: value };
  }
  return {
    executionProviders: [settings.executionProvider],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: settings.optimization,
    logSeverityLevel: 3,
    enableCpuMemArena: settings.memArena,
    enableMemPattern: settings.memPattern,
    ...(settings.profileFilePrefix === null ? {} : { enableProfiling: true, profileFilePrefix: settings.profileFilePrefix }),
    extra,
  };
}

async function handle(request: Request): Promise<{ reply: Reply; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case "create": {
      const options = sessionOptions(request.settings);
      const session =
        "bytes" in request.model
          ? await ort.InferenceSession.create(request.model.bytes, options)
          : await ort.InferenceSession.create(request.model.path, options);
      const id = nextSession++;
      sessions.set(id, session);
      if (request.settings.profileFilePrefix !== null) profiled.add(id);
      const description = { session: id, inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
      return { reply: { id: request.id, ok: true, kind: "created", description }, transfer: [] };
    }
    case "run": {
      const session = sessions.get(request.session);
      if (!session) throw new Error(`session ${request.session} was released`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) feeds[name] = toOrt(t);
      const start = performance.now();
      const results = await session.run(feeds, [...request.outputs]);
      const ms = performance.now() - start;
      const outputs: Record<string, Tensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, value] of Object.entries(results)) {
        const t = fromOrt(name, value);
        outputs[name] = t;
        transfer.push(t.data.buffer as ArrayBuffer);
        value.dispose();
      }
      return { reply: { id: request.id, ok: true, kind: "ran", outputs, ms }, transfer };
    }
    case "release": {
      if (profiled.delete(request.session)) sessions.get(request.session)?.endProfiling();
      await sessions.get(request.session)?.release();
      sessions.delete(request.session);
      return { reply: { id: request.id, ok: true, kind: "released" }, transfer: [] };
    }
    case "providers":
      return { reply: { id: request.id, ok: true, kind: "providers", providers: installedProviders() }, transfer: [] };
    case "close": {
      for (const session of sessions.values()) await session.release();
      sessions.clear();
      return { reply: { id: request.id, ok: true, kind: "closed" }, transfer: [] };
    }
  }
}

const port = parentPort;
if (!port) throw new Error("runtime/worker.js must run as a worker thread");

let queue: Promise<void> = Promise.resolve();
port.on("message", (request: Request) => {
  queue = queue.then(async () => {
    try {
      const { reply, transfer } = await handle(request);
      port.postMessage(reply, transfer);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      port.postMessage({ id: request.id, ok: false, message } satisfies Reply);
    }
  });
});
