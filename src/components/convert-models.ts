/**
 * Converts the big components of a FLUX.1 Fill model folder (the transformer and T5) to
 * block-quantized MatMulNBits weights in a ConvertedCache, exactly as a quantized load would, so
 * that later loads find the entries and skip the conversion. Builds no session.
 */
import { Flux } from "../models/flux/model.js";
import { T5EncoderStack } from "../models/t5/model.js";
import { t5ConfigFromHf } from "../models/t5/config.js";
import type { Module } from "../nn/module.js";
import { bflView } from "../weights/layouts/bfl-view.js";
import type { ConvertedCache } from "../weights/converted/index.js";
import type { FluxFillFolder } from "../weights/hub/model-folder.js";
import { ModelFolderError } from "../weights/hub/errors.js";
import { openWeights } from "../weights/open-weights.js";
import type { TensorSource } from "../weights/source.js";
import { withOpened } from "../weights/source-opener.js";
import { convertedParams } from "./params/converted-params.js";
import { checkParams } from "./params/load-params.js";
import { fluxQuantOptions, t5QuantOptions, type QuantOptions } from "./params/quantized-params.js";
import { t5WeightView } from "./text/encoders.js";
import { folderFluxParams, requireConfig } from "./icedit-models.js";

export const CONVERTIBLE = ["transformer", "t5"] as const;
export type ConvertibleComponent = (typeof CONVERTIBLE)[number];

export interface ConvertedComponent {
  readonly component: ConvertibleComponent;
  readonly source: string;
  readonly dir: string;
  readonly bytes: number;
  /** false: an up-to-date entry was already there (and passed its checks). */
  readonly built: boolean;
  readonly ms: number;
}

export interface ConvertModelOptions {
  readonly quant: Omit<QuantOptions, "cache" | "keep">;
  readonly cache: ConvertedCache;
  readonly components?: readonly ConvertibleComponent[];
  /** Called with each tensor converted (done, total) of the component being built. */
  readonly onTensor?: (component: ConvertibleComponent, done: number, total: number) => void;
}

async function convertOne(
  component: ConvertibleComponent,
  file: string,
  model: (source: TensorSource) => { module: Module; view: TensorSource; quant: QuantOptions },
  options: ConvertModelOptions,
): Promise<ConvertedComponent> {
  const started = performance.now();
  return withOpened(() => openWeights(file), async (source) => {
    const { module, view, quant } = model(source);
    checkParams(module.parameters(), view);
    const total = module.parameters().length;
    let done = 0;
    const params = await convertedParams(module, view, { ...quant, onTensor: () => options.onTensor?.(component, ++done, total) }, options.cache);
    if (!params) throw new ModelFolderError(file, component, "its weights are not in files, so they cannot be converted into the cache");
    return { component, source: file, dir: params.dir, bytes: params.manifest.data.size, built: params.built, ms: performance.now() - started };
  });
}

export async function convertModelFolder(folder: FluxFillFolder, options: ConvertModelOptions): Promise<ConvertedComponent[]> {
  const results: ConvertedComponent[] = [];
  for (const component of options.components ?? CONVERTIBLE) {
    if (component === "transformer") {
      results.push(await convertOne(component, folder.transformer.weights, (source) => ({
        module: new Flux(folderFluxParams(folder, source)),
        view: bflView(source),
        quant: fluxQuantOptions(options.quant),
      }), options));
    } else {
      const config = t5ConfigFromHf(requireConfig(folder, "text_encoder_2"));
      results.push(await convertOne(component, folder.textEncoder2.weights, (source) => ({
        module: new T5EncoderStack(config),
        view: t5WeightView(source),
        quant: t5QuantOptions(options.quant),
      }), options));
    }
  }
  return results;
}
