/**
 * Point tests and edge distances of the three shape kinds, in canvas units. The triangle is
 * upright: apex (cx, cy - s/2), base corners (cx -+ s/2, cy + s/2).
 */
import type { Point, Shape } from "./scene.js";

type Polygon = readonly Point[];

/** The corners of a square or triangle, clockwise on screen (y down). */
function polygonOf(shape: Shape): Polygon {
  const { x, y } = shape.centre;
  const h = shape.size / 2;
  if (shape.kind === "square") {
    return [
      { x: x - h, y: y - h },
      { x: x + h, y: y - h },
      { x: x + h, y: y + h },
      { x: x - h, y: y + h },
    ];
  }
  return [
    { x, y: y - h },
    { x: x + h, y: y + h },
    { x: x - h, y: y + h },
  ];
}

/** Whether (px, py) lies inside the shape (the boundary counts as inside). */
export function shapeContains(shape: Shape, px: number, py: number): boolean {
  if (shape.kind === "circle") {
    const r = shape.size / 2;
    const dx = px - shape.centre.x;
    const dy = py - shape.centre.y;
    return dx * dx + dy * dy <= r * r;
  }
  const corners = polygonOf(shape);
  for (let i = 0; i < corners.length; i++) {
    const a = corners[i] as Point;
    const b = corners[(i + 1) % corners.length] as Point;
    // clockwise on screen: the inside is where the cross product is >= 0
    if ((b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x) < 0) return false;
  }
  return true;
}

function segmentDistance(a: Point, b: Point, px: number, py: number): number {
  const ex = b.x - a.x;
  const ey = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((px - a.x) * ex + (py - a.y) * ey) / (ex * ex + ey * ey)));
  return Math.hypot(px - (a.x + t * ex), py - (a.y + t * ey));
}

/** The distance from (px, py) to the shape's edge (its boundary curve), inside or out. */
export function distanceToEdge(shape: Shape, px: number, py: number): number {
  if (shape.kind === "circle") {
    return Math.abs(Math.hypot(px - shape.centre.x, py - shape.centre.y) - shape.size / 2);
  }
  const corners = polygonOf(shape);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < corners.length; i++) {
    best = Math.min(best, segmentDistance(corners[i] as Point, corners[(i + 1) % corners.length] as Point, px, py));
  }
  return best;
}
