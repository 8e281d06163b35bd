/** Block quantization into ONNX Runtime's MatMulNBits form (ops.matMulNBits consumes it). */
export {
  allocatePacked,
  codeAt,
  dequantizeNBits,
  defaultZeroPoint,
  nbitsLayout,
  zeroPointAt,
  DEFAULT_BLOCK_SIZE,
  BLOCK_SIZES,
  type NBits,
  type NBitsLayout,
  type PackedNBits,
} from "./packed.js";
export { quantizeNBits, type NBitsScheme, type QuantizeOptions } from "./quantize.js";
export { packGgufBlocks, packQ4_0, packQ8_0 } from "./from-gguf.js";
