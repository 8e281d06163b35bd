/**
 * One edit of each kind on one test scene: source, target, region and outside masks, and the
 * candidates the tests score: correct (the target with a ripple), a no-op, a wrong colour, and
 * the correct edit with damage outside the region.
 */
import type { Mask, RgbImage } from "../../../src/image/index.js";
import type { EditKind } from "../../../src/demo/eval/instruction.js";
import { outsideMask } from "../../../src/demo/eval/outside-mask.js";
import { drawScene, paintRect, shapeMask, withNoise, type TestScene, type TestShape } from "./draw.js";

export const SIZE = 96;

const redCircle: TestShape = { kind: "circle", colour: "red", cx: 24, cy: 24, size: 26 };
const blueSquare: TestShape = { kind: "square", colour: "blue", cx: 70, cy: 26, size: 24 };
/** Shares its colour with the circle: the judge must tell them apart by kind. */
const redTriangle: TestShape = { kind: "triangle", colour: "red", cx: 28, cy: 70, size: 28 };

export const SOURCE_SCENE: TestScene = { size: SIZE, background: "white", shapes: [redCircle, blueSquare, redTriangle] };

export interface EditFixture {
  readonly kind: EditKind;
  readonly instruction: string;
  readonly source: RgbImage;
  readonly target: RgbImage;
  readonly region: Mask;
  readonly outside: Mask;
  readonly correct: RgbImage;
  readonly noop: RgbImage;
  readonly wrongColour: RgbImage;
  readonly damaged: RgbImage;
}

function fixture(
  kind: EditKind,
  instruction: string,
  target: TestScene,
  wrong: TestScene,
  regionOf: (source: TestScene, target: TestScene) => Mask,
  damage: (image: RgbImage) => RgbImage,
): EditFixture {
  const source = drawScene(SOURCE_SCENE);
  const drawnTarget = drawScene(target);
  const region = regionOf(SOURCE_SCENE, target);
  const shapes = [...SOURCE_SCENE.shapes, ...target.shapes].map((shape) => shapeMask(shape, SIZE));
  const correct = withNoise(drawnTarget, 12);
  return {
    kind,
    instruction,
    source,
    target: drawnTarget,
    region,
    outside: outsideMask({ region, shapes }),
    correct,
    noop: withNoise(source, 12),
    wrongColour: withNoise(drawScene(wrong), 12),
    damaged: damage(correct),
  };
}

function replace(scene: TestScene, from: TestShape, to: TestShape | null): TestScene {
  return { ...scene, shapes: scene.shapes.flatMap((s) => (s === from ? (to ? [to] : []) : [s])) };
}

const maskOf = (shape: TestShape) => () => shapeMask(shape, SIZE);

/** Background pixels: covered by no shape of the source or the target. */
function backgroundRegion(source: TestScene, target: TestScene): Mask {
  const data = new Uint8Array(SIZE * SIZE).fill(1);
  for (const shape of [...source.shapes, ...target.shapes]) shapeMask(shape, SIZE).data.forEach((v, i) => v && (data[i] = 0));
  return { dtype: "u8", dims: [SIZE, SIZE], data };
}

const yellowSquare: TestShape = { kind: "square", colour: "yellow", cx: 76, cy: 76, size: 22 };

export const FIXTURES: readonly EditFixture[] = [
  fixture(
    "recolour",
    "make the red triangle green",
    replace(SOURCE_SCENE, redTriangle, { ...redTriangle, colour: "green" }),
    replace(SOURCE_SCENE, redTriangle, { ...redTriangle, colour: "yellow" }),
    maskOf(redTriangle),
    (image) => paintRect(image, 56, 10, 90, 44, "green"), // the blue square and its surroundings turn green
  ),
  fixture(
    "remove",
    "remove the blue square",
    replace(SOURCE_SCENE, blueSquare, null),
    replace(SOURCE_SCENE, blueSquare, { ...blueSquare, colour: "black" }),
    maskOf(blueSquare),
    (image) => paintRect(image, 10, 10, 38, 38, "white"), // the red circle goes too
  ),
  fixture(
    "background",
    "make the background black",
    { ...SOURCE_SCENE, background: "black" },
    { ...SOURCE_SCENE, background: "blue" },
    backgroundRegion,
    (image) => paintRect(image, 14, 14, 34, 34, "black"), // the circle is painted over
  ),
  fixture(
    "add",
    "add a yellow square in the bottom right corner",
    { ...SOURCE_SCENE, shapes: [...SOURCE_SCENE.shapes, yellowSquare] },
    { ...SOURCE_SCENE, shapes: [...SOURCE_SCENE.shapes, { ...yellowSquare, colour: "green" }] },
    maskOf(yellowSquare),
    (image) => paintRect(image, 0, 40, 50, 96, "yellow"), // a yellow slab over the triangle's side
  ),
];
