/** The ops icedit's graphs use, each registered once with its shape rule (see op-schema.ts). */
import { OpRegistry } from "./op-schema.js";
import { ACTIVATION_OPS } from "./op-rules/activation.js";
import { ATTENTION_OPS } from "./op-rules/attention.js";
import { ELEMENTWISE_OPS } from "./op-rules/elementwise.js";
import { INDEXING_OPS } from "./op-rules/indexing.js";
import { LAYOUT_OPS } from "./op-rules/layout.js";
import { LINEAR_OPS } from "./op-rules/linear.js";
import { QUANT_OPS } from "./op-rules/quant.js";
import { REDUCE_OPS } from "./op-rules/reduce.js";
import { SPATIAL_OPS } from "./op-rules/spatial.js";

export const OPS: OpRegistry = new OpRegistry([
  ...ELEMENTWISE_OPS,
  ...ACTIVATION_OPS,
  ...LINEAR_OPS,
  ...ATTENTION_OPS,
  ...QUANT_OPS,
  ...LAYOUT_OPS,
  ...INDEXING_OPS,
  ...SPATIAL_OPS,
  ...REDUCE_OPS,
]);
