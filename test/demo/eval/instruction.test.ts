import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { InstructionGrammarError } from "../../../src/demo/eval/errors.js";
import { parseInstruction } from "../../../src/demo/eval/instruction.js";

describe("parseInstruction", () => {
  it("reads the four forms", () => {
    assert.deepEqual(parseInstruction("make the red circle green"), { kind: "recolour", colour: "red", shape: "circle", to: "green" });
    assert.deepEqual(parseInstruction("remove the white triangle"), { kind: "remove", colour: "white", shape: "triangle" });
    assert.deepEqual(parseInstruction("make the background black"), { kind: "background", to: "black" });
    assert.deepEqual(parseInstruction("add a yellow square in the bottom right corner"), {
      kind: "add",
      colour: "yellow",
      shape: "square",
      corner: "bottom right",
    });
    for (const corner of ["top left", "top right", "bottom left", "bottom right"])
      assert.equal(parseInstruction(`add a blue circle in the ${corner} corner`).kind, "add");
  });
  it("refuses any other text with a message that gives the grammar", () => {
    for (const text of [
      "",
      "Make the red circle green",
      "make the red circle  green",
      " make the red circle green",
      "make the red circle green.",
      "make the purple circle green",
      "make the red hexagon green",
      "make the red circle",
      "remove the red",
      "remove a red circle",
      "make the background",
      "make the background red please",
      "add a red circle in the middle corner",
      "add a red circle in the top left",
      "add the red circle in the top left corner",
      "make the red circle green\nremove the blue square",
    ]) {
      assert.throws(
        () => parseInstruction(text),
        (error: unknown) =>
          error instanceof InstructionGrammarError &&
          error.message.includes(JSON.stringify(text)) &&
          error.message.includes("make the background {colour}"),
        text,
      );
    }
  });
});
