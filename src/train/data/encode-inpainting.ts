/**
 * A captioned in-painting example (image, mask, caption) through the frozen encoders, for
 * training the base transformer: the image's clean latent x0 and its fill conditioning by
 * encodeDiptych (the same encodeFill + conditionFill an edit uses; nothing there needs the image
 * to be a diptych), and the caption itself (no IC prompt) through T5 and CLIP.
 */
import type { Mask, RgbImage } from "../../image/rgb.js";
import { encodeDiptych, encodeText, type ExampleEncoders } from "./encode-example.js";
import type { PreparedExample } from "./prepare-examples.js";

export interface InpaintingExample {
  /** [S, S', 3] u8, sides multiples of 16. */
  readonly image: RgbImage;
  /** [S, S'] u8: 255 where the model fills in. */
  readonly mask: Mask;
  readonly caption: string;
}

/** image [S, S', 3], mask [S, S'] -> x0 [L, 64], imgCond [L, 320] (masked latent 64 + packed mask 256), txt [T, ctx], y [vec]; L = (S/16)(S'/16). */
export async function encodeInpainting(encoders: ExampleEncoders, example: InpaintingExample, origin: string): Promise<PreparedExample> {
  const { x0, imgCond } = await encodeDiptych(encoders.vae, { image: example.image, mask: example.mask });
  const { txt, y } = await encodeText(encoders.text, example.caption);
  return { x0, imgCond, txt, y, origin };
}
