/**
 * The synthetic world's fixed names: six colours (for shapes and backgrounds) with their exact
 * sRGB values, three shape kinds, and the four corners an added shape can go to (issue 15).
 */

export type Rgb = readonly [number, number, number];

export const COLOURS = {
  red: [220, 40, 40],
  green: [40, 180, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 40],
  white: [245, 245, 245],
  black: [20, 20, 20],
} as const satisfies Record<string, Rgb>;

export type ColourName = keyof typeof COLOURS;

/** Every colour name, in a fixed order (samplers index into it). */
export const COLOUR_NAMES: readonly ColourName[] = ["red", "green", "blue", "yellow", "white", "black"];

export const SHAPE_KINDS = ["circle", "square", "triangle"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

export const CORNERS = ["top left", "top right", "bottom left", "bottom right"] as const;
export type Corner = (typeof CORNERS)[number];

export function rgbOf(colour: ColourName): Rgb {
  return COLOURS[colour];
}
