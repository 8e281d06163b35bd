/** The synthetic world of issue 15: scenes of shapes, their edits, captions and data sets. */
export { captionOf } from "./caption.js";
export { ADDED_SHAPE_SIZE, drawEdit } from "./draw-edit.js";
export { type EditExample, editExample, type ExampleOptions, NoValidEditError, sampleEditExample } from "./edit-example.js";
export { editRegion, OUTSIDE_EDGE_DISTANCE_PX, outsideMask } from "./edit-masks.js";
export { applyEdit, EDIT_KINDS, type EditKind, type SceneEdit, shapeInCorner } from "./edits.js";
export { InvalidEditError, InvalidSceneError } from "./errors.js";
export { INSTRUCTION_PATTERNS, instructionOf, SCENE_VOCABULARY } from "./grammar.js";
export { drawInpaintingMask, INPAINTING_MASK_KINDS, type InpaintingMaskKind } from "./inpainting-masks.js";
export { COLOUR_NAMES, COLOURS, type ColourName, CORNERS, type Corner, rgbOf, SHAPE_KINDS, type ShapeKind } from "./palette.js";
export { DEFAULT_CANVAS, renderScene, shapeCoverage } from "./render.js";
export { drawScene, sampleScene } from "./sample-scene.js";
export { checkScene, type Scene, SCENE_RULES, sceneProblems, type Shape } from "./scene.js";
export { type EditDatasetSummary, type SceneDatasetOptions, writeEditDataset } from "./write-edit-dataset.js";
export { INPAINTING_FILE, type InpaintingRecord, writeInpaintingDataset } from "./write-inpainting-dataset.js";
