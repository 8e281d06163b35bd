/**
 * Converts the big components of a FLUX.1 Fill model folder (the transformer and T5) to
 * block-quantized MatMulNBits weights in a ConvertedCache, exactly as a quantized open would (the
 * same component specs), so that later opens find the entries and skip the conversion. Builds no
 * session.
 */
import { Flux } from "../models/flux/model.js";
import { T5EncoderStack } from "../models/t5/model.js";
import { t5ConfigFromHf } from "../models/t5/config.js";
import type { ConvertedCache } from "../weights/converted/index.js";
import { textEncoderConfig, type FluxFillFolder } from "../weights/hub/model-folder.js";
import { ModelFolderError } from "../weights/hub/errors.js";
import { openWeights } from "../weights/open-weights.js";
import type { TensorSource } from "../weights/source.js";
import { withOpened } from "../weights/source-opener.js";
import type { ComponentSpec } from "./component-spec.js";
import { convertedParams } from "./params/converted-params.js";
import { checkParams } from "./params/load-params.js";
import type { QuantizedPrecision } from "./precision.js";
import { fluxSpec } from "./flux/spec.js";
import { folderFluxParams } from "./flux/sizes.js";
import { t5Spec } from "./text/t5.js";

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
  readonly precision: QuantizedPrecision;
  readonly cache: ConvertedCache;
  readonly components?: readonly ConvertibleComponent[];
  /** Called with each tensor converted (done, total) of the component being built. */
  readonly onTensor?: (component: ConvertibleComponent, done: number, total: number) => void;
}

async function convertOne<Part extends string, View extends TensorSource>(
  component: ConvertibleComponent,
  file: string,
  specOf: (source: TensorSource) => ComponentSpec<Part, View>,
  options: ConvertModelOptions,
): Promise<ConvertedComponent> {
  const started = performance.now();
  return withOpened(
    () => openWeights(file),
    async (source) => {
      const spec = specOf(source);
      const view = spec.view(source);
      const specs = spec.model.parameters();
      checkParams(specs, view, spec.hints(view));
      let done = 0;
      const quant = {
        precision: options.precision,
        keep: spec.quantized?.keep,
        component: spec.component,
        onTensor: () => options.onTensor?.(component, ++done, specs.length),
      };
      const params = await convertedParams(spec.model, view, quant, options.cache);
      if (!params) throw new ModelFolderError(file, component, "its weights are not in files, so they cannot be converted into the cache");
      return {
        component,
        source: file,
        dir: params.dir,
        bytes: params.manifest.data.size,
        built: params.built,
        ms: performance.now() - started,
      };
    },
  );
}

export async function convertModelFolder(folder: FluxFillFolder, options: ConvertModelOptions): Promise<ConvertedComponent[]> {
  const results: ConvertedComponent[] = [];
  for (const component of options.components ?? CONVERTIBLE) {
    if (component === "transformer") {
      const specOf = (source: TensorSource): ComponentSpec<"transformer"> => {
        const params = folderFluxParams(folder, source);
        return fluxSpec(new Flux(params), params);
      };
      results.push(await convertOne(component, folder.transformer.weights, specOf, options));
    } else {
      const config = textEncoderConfig(folder, "text_encoder_2", t5ConfigFromHf);
      results.push(await convertOne(component, folder.textEncoder2.weights, () => t5Spec(new T5EncoderStack(config), config), options));
    }
  }
  return results;
}
