/**
 * A rule-based judge for the demo world (issue 15): it parses the instruction, finds in the
 * SOURCE (the request's original) what should change and what should stay (judge-task.ts), and
 * scores each candidate preview: the fraction of the pixels to change that are now within 60 of
 * the wanted colour (an add: a shape's worth of new pixels of the colour, of the named kind),
 * plus the fraction of the pixels to keep that are within 40 of the source. It never sees the
 * target, so noise selection runs end to end without a VLM. Candidates of another size than the
 * original are resized to it first.
 */
import { checkRgbImage, decodeImage, resizeImage, type RgbImage, type RgbView } from "../../image/index.js";
import type { Judge, JudgeIdentity, JudgeRequest, JudgeVerdict } from "../../vlm/judge.js";
import { parseInstruction } from "./instruction.js";
import { judgeTask, type JudgeTask } from "./judge-task.js";
import { channelDistance, pixelDistance } from "./palette.js";
import { components, NEAR_COLOUR, shapeKindOf } from "./segment.js";

/** How near the source a kept pixel must stay (the pixel rule's outside tolerance). */
const KEPT_TOLERANCE = 40;
/** Scores closer than this are a tie. */
const TIE = 1e-9;

export const RULE_JUDGE_NAME = "shapes";

export interface CandidateScore {
  /** 0..1: how far the pixels to change took the wanted colour. */
  readonly changed: number;
  /** 0..1: the fraction of pixels to keep that stayed. */
  readonly kept: number;
  readonly total: number;
}

export class ShapesRuleJudge implements Judge {
  readonly identity: JudgeIdentity = { kind: "rule", url: "in-process", model: RULE_JUDGE_NAME };

  async probe(): Promise<void> {}

  async compare(request: JudgeRequest): Promise<JudgeVerdict> {
    const started = performance.now();
    const instruction = parseInstruction(request.instruction);
    const source = checkRgbImage(await decodeImage(request.original, { name: "the judge's original" }));
    const task = judgeTask(instruction, source);
    const first = scoreCandidate(task, source, await atSize(request.image1, "candidate 1", source));
    const second = scoreCandidate(task, source, await atSize(request.image2, "candidate 2", source));
    const choice = Math.abs(first.total - second.total) <= TIE ? null : first.total > second.total ? 1 : 2;
    const raw = `rule ${RULE_JUDGE_NAME}: 1 ${describe(first)}; 2 ${describe(second)} -> ${choice ?? "tie"}`;
    return { choice, raw, ms: performance.now() - started, retried: false };
  }
}

/** Scores one candidate (same size as the source) against the task. */
export function scoreCandidate(task: JudgeTask, source: RgbView, candidate: RgbView): CandidateScore {
  let keepPixels = 0;
  let keptPixels = 0;
  let regionPixels = 0;
  let wantedPixels = 0;
  const fresh = new Uint8Array(task.region.length);
  for (let i = 0; i < task.region.length; i++) {
    if (task.keep[i]) {
      keepPixels++;
      if (pixelDistance(candidate.data, source.data, i) <= KEPT_TOLERANCE) keptPixels++;
    }
    if (task.region[i]) {
      regionPixels++;
      if (channelDistance(candidate.data, i, task.wanted) <= NEAR_COLOUR) {
        wantedPixels++;
        fresh[i] = 1;
      }
    }
  }
  const kept = keepPixels === 0 ? 1 : keptPixels / keepPixels;
  const changed = task.add
    ? addScore(task.add, fresh, wantedPixels, candidate.width, candidate.height)
    : regionPixels === 0
      ? 1
      : wantedPixels / regionPixels;
  return { changed, kept, total: changed + kept };
}

/** An add: 1 for a shape's worth of new pixels of the named kind, less for too few, too many or another kind. */
function addScore(add: NonNullable<JudgeTask["add"]>, fresh: Uint8Array, count: number, width: number, height: number): number {
  const area = count < add.minArea ? count / add.minArea : count > add.maxArea * 1.25 ? (add.maxArea * 1.25) / count : 1;
  const largest = components(fresh, width, height)[0];
  if (largest === undefined) return 0;
  return shapeKindOf(largest) === add.shape ? area : area / 2;
}

async function atSize(bytes: Uint8Array, name: string, source: RgbView): Promise<RgbView> {
  const image: RgbImage = await decodeImage(bytes, { name: `the judge's ${name}` });
  const view = checkRgbImage(image);
  if (view.width === source.width && view.height === source.height) return view;
  return checkRgbImage(await resizeImage(image, source.width, source.height));
}

function describe(score: CandidateScore): string {
  return `changed ${score.changed.toFixed(3)} kept ${score.kept.toFixed(3)}`;
}
