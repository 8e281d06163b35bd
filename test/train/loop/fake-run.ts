/** A TrainingRunFactory over the fakes, for tests of train() and icedit train. */
import { Prng } from "../../../src/numeric/prng.js";
import { tensor, type Tensor } from "../../../src/tensor.js";
import type { TrainingRunFactory, TrainingRunRequest } from "../../../src/api/training-run.js";
import { adapterFileMetadata } from "../../../src/train/loop/index.js";
import type { SampleEdit, TrainDataEvent } from "../../../src/train/loop/index.js";
import { type FluxParams, GOLDEN_T1, validateFluxParams } from "../../../src/models/flux/params.js";
import { iceditLoraModules, isMoeModule, loraKeys, loraRouteKey } from "../../../src/weights/lora/icedit-modules.js";
import { fakeDataset, fakeParams, fakeStep } from "./fakes.js";

export interface FakeRunLog {
  readonly requests: TrainingRunRequest[];
  released: number;
}

/** An adapter on ICEdit's modules at a model's sizes (A and the router ~ N(0, 0.05), B = 0), of the request's kind, rank and experts. */
export function iceditAdapter(flux: FluxParams, request: TrainingRunRequest): Map<string, Tensor<"f32">> {
  const { mlpHidden } = validateFluxParams(flux);
  const modules = iceditLoraModules({ ...flux, mlpHidden });
  const prng = new Prng(request.seed);
  const normal = (dims: number[]): Tensor<"f32"> => {
    const t = tensor("f32", dims);
    prng.fillNormal(t.data, 0.05);
    return t;
  };
  const out = new Map<string, Tensor<"f32">>();
  const { rank, experts, kind } = request.adapter;
  for (const m of modules) {
    const moe = kind === "moe" && isMoeModule(m.module);
    for (let e = 0; e < (moe ? experts : 1); e++) {
      const keys = loraKeys(m.module, moe ? e : undefined);
      out.set(keys.a, normal([rank, m.inFeatures]));
      out.set(keys.b, tensor("f32", [m.outFeatures, rank]));
    }
    if (moe) out.set(loraRouteKey(m.module), normal([experts, m.inFeatures]));
  }
  return out;
}

export function fakeRunFactory(
  options: {
    fingerprint?: string;
    delayMs?: number;
    sampleEdit?: SampleEdit;
    flux?: FluxParams;
    poison?: (call: number) => number;
    /** Data events the run sends before it returns, as a real run's preparing would (none by default). */
    dataEvents?: readonly TrainDataEvent[];
  } = {},
): TrainingRunFactory & { log: FakeRunLog } {
  const log: FakeRunLog = { requests: [], released: 0 };
  const factory = async (request: TrainingRunRequest) => {
    log.requests.push(request);
    for (const event of options.dataEvents ?? []) request.onEvent?.(event);
    const flux = options.flux ?? GOLDEN_T1;
    const { mlpHidden } = validateFluxParams(flux);
    const a = request.adapter;
    return {
      dataset: fakeDataset(),
      lossAndGrads: fakeStep({ delayMs: options.delayMs, poison: options.poison }).lossAndGrads,
      initialParams: options.flux ? iceditAdapter(options.flux, request) : fakeParams(),
      adapterMetadata: adapterFileMetadata({
        ...a,
        targetModules: iceditLoraModules({ ...flux, mlpHidden }).map((m) => m.module),
      }),
      fingerprint: { model: options.fingerprint ?? `fake ${request.model} ${request.quant}`, data: `fake data ${request.size}` },
      sampleEdit: options.sampleEdit,
      release: async () => {
        log.released++;
      },
    };
  };
  return Object.assign(factory, { log });
}
