/**
 * Rendering: exact palette colours away from edges, intermediate colours only at edges, areas that
 * match the closed-form areas of circle, square and triangle.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { distanceToEdge, shapeContains } from "../../../src/demo/scenes/geometry.js";
import { COLOURS } from "../../../src/demo/scenes/palette.js";
import { renderScene, shapeCoverage } from "../../../src/demo/scenes/render.js";
import { sampleScene } from "../../../src/demo/scenes/sample-scene.js";
import type { Scene, Shape } from "../../../src/demo/scenes/scene.js";

const pixel = (data: Uint8Array, p: number): string => `${data[p * 3]},${data[p * 3 + 1]},${data[p * 3 + 2]}`;

describe("rendering a scene", () => {
  for (const size of [64, 128]) {
    it(`at ${size} px: pure colours 1 px from edges, blends only within 0.75 px of an edge, and some blends`, () => {
      let blended = 0;
      for (let seed = 0; seed < 30; seed++) {
        const scene = sampleScene(seed);
        const image = renderScene(scene, { size });
        assert.deepEqual(image.dims, [size, size, 3]);
        const palette = new Set([scene.background, ...scene.shapes.map((s) => s.colour)].map((c) => COLOURS[c].join(",")));
        for (let py = 0; py < size; py++) {
          for (let px = 0; px < size; px++) {
            const x = (px + 0.5) / size;
            const y = (py + 0.5) / size;
            const edge = Math.min(...scene.shapes.map((s) => distanceToEdge(s, x, y))) * size;
            const got = pixel(image.data, py * size + px);
            if (edge >= 1) {
              const inside = scene.shapes.find((s) => shapeContains(s, x, y));
              assert.equal(got, COLOURS[inside?.colour ?? scene.background].join(","), `seed ${seed} pixel ${px},${py}`);
            } else if (!palette.has(got)) {
              blended++;
              assert.ok(edge <= 0.75, `seed ${seed}: blend ${got} at ${px},${py}, ${edge.toFixed(2)} px from the nearest edge`);
            }
          }
        }
      }
      assert.ok(blended > 30 * 20, `anti-aliased pixels: ${blended}`);
    });
  }

  it("covers the closed-form areas: circle pi s^2/4, square s^2, triangle s^2/2 (within 1.5%: a 512-sample grid quantises each side by up to 1/512)", () => {
    const size = 128;
    const s = 0.3;
    const cases: [Shape["kind"], number][] = [
      ["circle", (Math.PI * s * s) / 4],
      ["square", s * s],
      ["triangle", (s * s) / 2],
    ];
    for (const [kind, area] of cases) {
      const counts = shapeCoverage({ kind, colour: "red", size: s, centre: { x: 0.5123, y: 0.4711 } }, { size });
      const covered = counts.reduce((a, b) => a + b, 0) / 16 / (size * size);
      assert.ok(Math.abs(covered - area) / area < 0.015, `${kind}: ${covered} vs ${area}`);
    }
  });

  it("draws the triangle upright: its top row is narrower than its bottom row", () => {
    const scene: Scene = { background: "black", shapes: [{ kind: "triangle", colour: "white", size: 0.25, centre: { x: 0.5, y: 0.5 } }] };
    const image = renderScene(scene, { size: 64 });
    const whiteIn = (row: number): number => {
      let n = 0;
      for (let x = 0; x < 64; x++) if (image.data[(row * 64 + x) * 3] === 245) n++;
      return n;
    };
    assert.ok(whiteIn(26) < whiteIn(38), `${whiteIn(26)} vs ${whiteIn(38)}`);
    assert.equal(whiteIn(36) > 8, true);
  });
});
