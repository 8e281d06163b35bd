/**
 * A scene's caption, for training the in-painting base: "a red circle and a blue square on a
 * white background". Shapes are named left to right (by centre x, then y), joined by "and".
 */
import type { Scene } from "./scene.js";

export function captionOf(scene: Scene): string {
  const ordered = [...scene.shapes].sort((a, b) => a.centre.x - b.centre.x || a.centre.y - b.centre.y);
  const named = ordered.map((s) => `a ${s.colour} ${s.kind}`);
  return `${named.join(" and ")} on a ${scene.background} background`;
}
