/**
 * The CLIP vision tower (transformers CLIPVisionTransformer). Module paths are the CLIPModel keys
 * under `vision_model.`.
 *
 *   x = [class_embedding; patch_embedding(pixels) as tokens] + position_embedding   (conv without bias)
 *   x = pre_layrnorm(x);  per layer (pre-LN, no mask): x += attn(LN1(x));  x += mlp(LN2(x))
 *   last_hidden_state = x;  pooler_output = post_layernorm(x[:, 0])
 */
import type { Value } from "../../onnx/graph.js";
import { add, slice, squeeze } from "../../onnx/ops/index.js";
import { Conv2d } from "../../nn/conv.js";
import { LayerNorm } from "../../nn/layer-norm.js";
import { type BuildContext, Module, type ParamSpec } from "../../nn/module.js";
import { patchesToTokens, prependToken } from "../../nn/patch-tokens.js";
import { ClipEncoderLayer } from "./encoder-layer.js";
import { validateClipVisionConfig, type ClipVisionConfig } from "./vision-config.js";

export class ClipVisionEmbeddings extends Module {
  readonly classEmbedding: ParamSpec;
  readonly patchEmbedding: Conv2d;
  readonly positionEmbedding: ParamSpec;

  constructor(
    path: string,
    readonly config: ClipVisionConfig,
  ) {
    super(path);
    const { tokens } = validateClipVisionConfig(config);
    const d = config.hiddenSize;
    this.classEmbedding = this.param("class_embedding", [d]);
    const patch = config.patchSize;
    this.patchEmbedding = this.child(new Conv2d(this.sub("patch_embedding"), config.numChannels, d, patch, { stride: patch, bias: false }));
    this.positionEmbedding = this.param("position_embedding.weight", [tokens, d]);
  }

  /** pixels: [B, C, S, S] -> [B, 1 + (S/p)^2, D]. */
  forward(ctx: BuildContext, pixels: Value): Value {
    const d = this.config.hiddenSize;
    const tokens = patchesToTokens(this.patchEmbedding.forward(ctx, pixels), d);
    return add(prependToken(tokens, ctx.param(this.classEmbedding), d), ctx.param(this.positionEmbedding));
  }
}

export interface ClipVisionOutputs {
  /** [B, 1 + N, D], before post_layernorm */
  readonly lastHiddenState: Value;
  /** [B, D]: post_layernorm of the CLS row */
  readonly pooled: Value;
}

export class ClipVisionTransformer extends Module {
  readonly embeddings: ClipVisionEmbeddings;
  readonly preLayrnorm: LayerNorm;
  readonly layers: ClipEncoderLayer[];
  readonly postLayernorm: LayerNorm;

  constructor(
    readonly config: ClipVisionConfig,
    path = "vision_model",
  ) {
    super(path);
    validateClipVisionConfig(config);
    const d = config.hiddenSize;
    this.embeddings = this.child(new ClipVisionEmbeddings(this.sub("embeddings"), config));
    // "layrnorm" is transformers' spelling of the key.
    this.preLayrnorm = this.child(new LayerNorm(this.sub("pre_layrnorm"), d, config.layerNormEps));
    this.layers = Array.from({ length: config.numLayers }, (_, i) =>
      this.child(new ClipEncoderLayer(this.sub(`encoder.layers.${i}`), config)),
    );
    this.postLayernorm = this.child(new LayerNorm(this.sub("post_layernorm"), d, config.layerNormEps));
  }

  /** pixels: [B, C, S, S] (S = image_size, normalized) -> last_hidden_state [B, 1 + N, D], pooled [B, D]. */
  forward(ctx: BuildContext, pixels: Value): ClipVisionOutputs {
    let x = this.preLayrnorm.forward(ctx, this.embeddings.forward(ctx, pixels));
    for (const layer of this.layers) x = layer.forward(ctx, x, null);
    const cls = squeeze(slice(x, 1, 0, 1), [1]);
    return { lastHiddenState: x, pooled: this.postLayernorm.forward(ctx, cls) };
  }
}
