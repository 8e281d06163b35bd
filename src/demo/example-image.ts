/** A small synthetic picture (sky, sun, hills, a house) for trying the demo model: no file needed. */
import { tensor, type Tensor } from "../tensor.js";

export function exampleImage(width = 512, height = 384): Tensor<"u8"> {
  const data = new Uint8Array(width * height * 3);
  const horizon = Math.round(height * 0.62);
  const set = (x: number, y: number, rgb: readonly [number, number, number]): void => {
    data.set(rgb, (y * width + x) * 3);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const hill = horizon + Math.round(18 * Math.sin(x / 41) + 9 * Math.sin(x / 13));
      if (y < hill) {
        const t = y / horizon;
        set(x, y, [Math.round(90 + 110 * t), Math.round(150 + 80 * t), 235]);
      } else {
        const shade = Math.round(20 * Math.sin((x + y) / 7));
        set(x, y, [60 + shade, 150 + shade, 70]);
      }
      const dx = x - width * 0.78;
      const dy = y - height * 0.2;
      if (dx * dx + dy * dy < (height * 0.08) ** 2) set(x, y, [250, 215, 80]);
    }
  }
  const left = Math.round(width * 0.22);
  const right = Math.round(width * 0.42);
  const top = Math.round(height * 0.45);
  for (let y = top; y < horizon + 10; y++) for (let x = left; x < right; x++) set(x, y, [200, 80, 60]);
  const peak = Math.round(height * 0.3);
  for (let y = peak; y < top; y++) {
    const half = ((y - peak) / (top - peak)) * ((right - left) / 2 + 12);
    const mid = (left + right) / 2;
    for (let x = Math.round(mid - half); x < Math.round(mid + half); x++) set(x, y, [110, 60, 50]);
  }
  return tensor("u8", [height, width, 3], data);
}
