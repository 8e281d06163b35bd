/**
 * The pairwise judge prompt of ICEdit's early filter (paper; docs/icedit.md §4 point 5): the judge
 * sees edited image 1, edited image 2 and the original, in that order, and answers 1 or 2 with a
 * short reason. The wording is icedit's own, written from the paper's description.
 */

export function pairwisePrompt(instruction: string): string {
  return [
    "You are an expert judge of image edits. You are shown three images, in this order:",
    "- the first image is edited image 1;",
    "- the second image is edited image 2;",
    "- the third image is the original image before editing.",
    "",
    `Both edits tried to follow this editing instruction: "${instruction.trim()}"`,
    "",
    "Decide which edit is better. The better edit:",
    "- follows the instruction more faithfully and completely;",
    "- has higher image quality, with fewer artifacts, distortions, blur or noise;",
    "- keeps every region that the instruction does not ask to change identical to the original;",
    "- keeps the style of the original unless the instruction asks for a new style.",
    "The edits may be early, unfinished previews of the final images: compare what they already show.",
    "",
    "Answer with 1 if edited image 1 is better or 2 if edited image 2 is better, on the first line, then briefly say why in one sentence.",
  ].join("\n");
}

/** Sent, after the judge's first answer, when that answer named neither candidate or both. */
export const STRICT_REMINDER = "Answer with exactly one character: 1 or 2.";
