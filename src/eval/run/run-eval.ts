/**
 * The evaluation loop: for each sample not yet done in the store, get its edit (made here by an
 * injected edit function, or read from a predictions folder), score it, and write the image and
 * then the record; a sample already recorded is read back, not redone. MagicBrush turns are
 * chained: a turn's input is the previous turn's edit when this run made it. Bad rows
 * (BadSampleError) are recorded as skips with their reason. Nothing here prints.
 */
import type { RgbImage } from "../../image/rgb.js";
import { scoreEdit as pixelRule } from "../../demo/eval/score.js";
import type { EditScores } from "../metrics/score-edit.js";
import { BadSampleError, type Bench, type BenchSample } from "../bench/bench.js";
import type { EvalStore } from "./eval-store.js";
import type { SampleRecord } from "./sample-record.js";
import type { VlmScoreResult } from "../vlm/vlm-score.js";

/** A VLM's score of an edit (--vlm-judge): source and edit as images. */
export type VlmFunction = (sample: BenchSample, source: RgbImage, generated: RgbImage, signal?: AbortSignal) => Promise<VlmScoreResult>;

/** Scores one edit (MetricModels.score, or a stand-in in tests). */
export type MeasureFunction = (edit: {
  readonly generated: RgbImage;
  readonly source?: RgbImage;
  readonly target?: RgbImage;
  readonly outputCaption?: string;
}) => Promise<EditScores>;

/** Makes the edit of `sample` from `input` ([H, W, 3] u8); throws BadSampleError when it cannot (e.g. a missing prediction). */
export type ProduceFunction = (sample: BenchSample, input: RgbImage, signal?: AbortSignal) => Promise<RgbImage>;

export interface EvalProgress {
  readonly done: number;
  readonly total: number;
  readonly record: SampleRecord;
  /** Whether the record was read back from an earlier run. */
  readonly resumed: boolean;
}

export interface RunEvalOptions {
  readonly bench: Bench;
  readonly store: EvalStore;
  readonly measure: MeasureFunction;
  readonly produce: ProduceFunction;
  /** Whether `produce` edits here (its images are written to the store). */
  readonly edits: boolean;
  /** MagicBrush: a turn edits the previous turn's edit made by this run (else its own source). */
  readonly chain?: boolean;
  /** Evaluate only the first N samples. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  readonly onSample?: (progress: EvalProgress) => void | Promise<void>;
  /** Also asks a VLM for its score of each edit. */
  readonly vlm?: VlmFunction;
}

/** The samples a run with `limit` evaluates. */
export function samplesToRun(bench: Bench, limit?: number): readonly BenchSample[] {
  return limit === undefined ? bench.samples : bench.samples.slice(0, limit);
}

async function evaluate(sample: BenchSample, options: RunEvalOptions): Promise<SampleRecord> {
  const { bench, store } = options;
  const base = {
    id: sample.id,
    task: sample.task,
    instruction: sample.instruction,
    ...(sample.turn ? { turn: { session: sample.turn.session, index: sample.turn.index, final: sample.turn.final } } : {}),
  };
  try {
    const source = await sample.source();
    const previous = options.edits && options.chain !== false && sample.turn?.previous ? await store.edited(sample.turn.previous) : null;
    const started = performance.now();
    const generated = await options.produce(sample, previous ?? source, options.signal);
    const editMs = options.edits ? performance.now() - started : null;
    if (options.edits) await store.writeEdit(sample.id, generated);
    // Emu Edit compares with the input: it is the target, and CLIP-I source (the same number) is not run twice.
    const measured = bench.measureAgainstSource ? { generated, target: source } : { generated, source, target: await sample.target?.() };
    const scores = await options.measure({ ...measured, outputCaption: sample.outputCaption });
    const demo = sample.demo;
    const rule = demo ? await pixelRule({ ...demo, edited: generated }) : undefined;
    const vlm = options.vlm ? await options.vlm(sample, source, generated, options.signal) : undefined;
    return {
      ...base,
      scores,
      ...(vlm ? { vlm: vlm.score, ...(vlm.score ? {} : { vlmAnswers: vlm.raw }) } : {}),
      ...(rule ? { pixelRule: { passed: rule.passed, inside: rule.inside, outside: rule.outside, reason: rule.reason } } : {}),
      editMs,
      ...(sample.turn ? { chained: previous !== null } : {}),
    };
  } catch (error) {
    if (!(error instanceof BadSampleError)) throw error;
    return { ...base, scores: null, skipped: error.message, editMs: null };
  }
}

/** Runs (or resumes) the evaluation; returns every evaluated sample's record in order. */
export async function runEval(options: RunEvalOptions): Promise<SampleRecord[]> {
  const samples = samplesToRun(options.bench, options.limit);
  const records: SampleRecord[] = [];
  for (const sample of samples) {
    options.signal?.throwIfAborted();
    const stored = await options.store.done(sample.id);
    const record = stored ?? (await evaluate(sample, options));
    if (!stored) await options.store.writeRecord(record);
    records.push(record);
    await options.onSample?.({ done: records.length, total: samples.length, record, resumed: stored !== null });
  }
  return records;
}
