/** Analytic multiply-add count of one FLUX transformer forward (2 FLOPs per multiply-add). */
import { validateFluxParams, type FluxParams } from "../src/models/flux/params.js";

export interface FluxShape {
  readonly batch: number;
  readonly imageTokens: number;
  readonly textTokens: number;
}

export function fluxForwardFlops(p: FluxParams, s: FluxShape): number {
  const { mlpHidden: m } = validateFluxParams(p);
  const d = p.hiddenSize;
  const { imageTokens: l, textTokens: t } = s;
  const seq = l + t;
  const linear = (tokens: number, inF: number, outF: number): number => 2 * tokens * inF * outF;
  const attention = 4 * seq * seq * d;
  let flops = linear(l, p.inChannels, d) + linear(t, p.contextInDim, d);
  flops += linear(1, 256, d) * (p.guidanceEmbed ? 2 : 1) + linear(1, p.vecInDim, d) + linear(1, d, d) * (p.guidanceEmbed ? 3 : 2);
  const stream = (n: number): number => linear(1, d, 6 * d) + linear(n, d, 3 * d) + linear(n, d, d) + linear(n, d, m) + linear(n, m, d);
  flops += p.depth * (stream(l) + stream(t) + attention);
  flops += p.depthSingleBlocks * (linear(1, d, 3 * d) + linear(seq, d, 3 * d + m) + linear(seq, d + m, d) + attention);
  flops += linear(1, d, 2 * d) + linear(l, d, p.outChannels);
  return flops * s.batch;
}
