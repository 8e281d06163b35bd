/** `icedit eval --bench B`: a benchmark's samples edited (or read from --predictions) and scored, resumable; prints the paper's table. */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { DINO_MODEL, EMU_EDIT_CLIP_MODEL, MAGICBRUSH_CLIP_MODEL, MetricModels } from "../api/metric-models.js";
import { IceditSession } from "../api/session.js";
import type { EditMethod } from "../api/edit-method.js";
import { CancelledError, type EditProgress } from "../index.js";
import { readImage } from "../image/decode.js";
import type { RgbImage } from "../image/rgb.js";
import { writeImage } from "../image/write.js";
import { writeDemoMetricModels } from "../demo/metric-models.js";
import { BadSampleError, type Bench, type BenchSample } from "../eval/bench/bench.js";
import { openBench } from "../eval/bench/open-bench.js";
import { bestAndWorst, bestWorstSheet } from "../eval/report/best-worst.js";
import { evalReport, type EvalReport } from "../eval/report/eval-report.js";
import { EvalStore, fileNameOf } from "../eval/run/eval-store.js";
import { runEval, type ProduceFunction, type VlmFunction } from "../eval/run/run-eval.js";
import { vlmScore } from "../eval/vlm/vlm-score.js";
import { encodeImage } from "../image/encode.js";
import { createJudge, type JudgeConfig } from "../vlm/create.js";
import type { SampleRecord } from "../eval/run/sample-record.js";
import { EVAL_FLAGS, EVAL_USAGE, evalFlags, type EvalFlags, type EvalValues } from "./eval-flags.js";
import { UsageError, type CommandIO } from "./io.js";
import { sessionOptions } from "./model-options.js";
import { parseCommandOptions } from "./parse-command.js";
import { Progress, seconds } from "./progress.js";

const PREDICTION_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp"];

/** The prediction of a sample: DIR/<id>.<ext>, or DIR/<file-name form of id>.<ext>. */
function predictionPath(dir: string, id: string): string | null {
  for (const name of [id, fileNameOf(id)]) {
    if (name.includes("/") || name === "." || name === "..") continue;
    for (const ext of PREDICTION_EXTENSIONS) {
      const path = join(dir, `${name}${ext}`);
      if (existsSync(path)) return path;
    }
  }
  return null;
}

function readPrediction(dir: string): ProduceFunction {
  return async (sample) => {
    const path = predictionPath(dir, sample.id);
    if (!path) throw new BadSampleError(`${sample.id}: no prediction ${join(dir, `${fileNameOf(sample.id)}.png`)}`);
    return readImage(path);
  };
}

/** The metric models: given, the benchmark's defaults, or for the demo tiny random ones written into the output folder. */
async function metricModelSpecs(flags: EvalFlags, bench: Bench): Promise<{ clip: string; dino: string }> {
  if (bench.kind === "demo" && (flags.clipModel === undefined || flags.dinoModel === undefined)) {
    const tiny = await writeDemoMetricModels(join(flags.out, "metric-models"));
    return { clip: flags.clipModel ?? tiny.clip, dino: flags.dinoModel ?? tiny.dino };
  }
  const clip = flags.clipModel ?? (bench.kind === "emu-edit" ? EMU_EDIT_CLIP_MODEL : MAGICBRUSH_CLIP_MODEL);
  return { clip, dino: flags.dinoModel ?? DINO_MODEL };
}

/** Our rows' name in the table: the predictions folder, or the model and its adapters (FLUX.1 Kontext: the model). */
function rowLabel(values: EvalValues, flags: EvalFlags, method: EditMethod | null): string {
  if (flags.predictions !== undefined) return `predictions (${basename(flags.predictions)})`;
  if (method === "kontext") return `FLUX.1 Kontext (${values.model === undefined ? "FLUX.1 Kontext [dev]" : basename(values.model)})`;
  const adapters = values.lora === undefined ? "its adapter" : values.lora.map((l) => basename(l)).join(" + ");
  return `icedit (${values.model === undefined ? "FLUX.1 Fill" : basename(values.model)}, ${adapters})`;
}

/** What makes a run's scores what they are: a rerun must match it to resume. */
function runSettings(values: EvalValues, flags: EvalFlags, bench: Bench, metrics: { clip: string; dino: string }): Record<string, unknown> {
  const edit = flags.edit;
  return {
    bench: bench.kind,
    source: bench.description,
    ...(bench.kind === "magicbrush" ? { turns: flags.chain ? "chain" : "independent" } : {}),
    ...(bench.kind === "demo" ? { firstSeed: flags.firstSeed } : {}),
    clipModel: metrics.clip,
    dinoModel: metrics.dino,
    ...(flags.predictions !== undefined
      ? { predictions: flags.predictions }
      : {
          model: values.model ?? null,
          revision: values.revision ?? null,
          transformer: values.transformer ?? null,
          lora: values.lora ?? null,
          loraScale: values["lora-scale"] ?? null,
          quant: values.quant ?? "auto",
          steps: edit?.steps ?? null,
          seed: edit?.seed ?? null,
          guidance: edit?.guidance ?? null,
          width: edit?.width ?? null,
          // Absent from runs stored before --method existed: the model's own.
          ...(values.method === undefined ? {} : { method: values.method }),
          // Absent from runs stored before --cache existed: the same as none.
          ...(edit?.cache !== undefined && edit.cache !== "none"
            ? { cache: typeof edit.cache === "string" ? edit.cache : JSON.stringify(edit.cache) }
            : {}),
          judge: values.judge === undefined ? null : `${values.judge}:${values["judge-model"] ?? ""}`,
          candidates: edit?.selection?.candidates ?? null,
        }),
    vlmJudge: flags.vlmJudge ? `${flags.vlmJudge.kind}:${flags.vlmJudge.model}` : null,
  };
}

export async function evalCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const values = parseCommandOptions(args, EVAL_FLAGS, EVAL_USAGE, io);
  if (!values) return 0;
  const flags = evalFlags(values);
  const progress = new Progress(io, values.quiet === true);
  const open =
    flags.predictions === undefined
      ? sessionOptions(
          values,
          (c) => progress.stage(`loading ${c}`),
          (l) => progress.note(l),
        )
      : null;
  const bench = await openBench({
    bench: flags.bench,
    data: flags.data,
    split: flags.split,
    demo: { count: flags.limit, firstSeed: flags.firstSeed },
  });
  progress.stage(`${bench.description}: ${bench.samples.length} samples, ${bench.skipped.length} skipped, ${bench.dropped.length} dropped`);
  const metrics = await metricModelSpecs(flags, bench);
  const settings = runSettings(values, flags, bench, metrics);
  const store = await EvalStore.open(flags.out, settings);

  const controller = new AbortController();
  const removeHandler = io.onInterrupt(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    progress.note("stopping after the current step (finished samples are kept; rerun to resume)...", true);
  });
  let measure: MetricModels | null = null;
  /** Opened by the first edit (a run whose samples are all done opens no model). */
  const opened: { session?: IceditSession } = {};
  try {
    progress.stage(`metric models: CLIP ${metrics.clip}, DINO ${metrics.dino}`);
    measure = await MetricModels.open({
      clip: metrics.clip,
      dino: metrics.dino,
      download: values.offline ? false : undefined,
      device: open?.device,
      threads: open?.threads,
      onDownload: (p) => progress.download(p.file, p.bytes, p.total),
    });
    const opener = open;
    const edit = flags.edit;
    const produce: ProduceFunction =
      flags.predictions !== undefined || !opener || !edit
        ? readPrediction(flags.predictions ?? "")
        : async (sample: BenchSample, input: RgbImage, signal?: AbortSignal) => {
            if (!opened.session) {
              progress.stage(`model: ${values.model ?? "default"}`);
              opened.session = await IceditSession.open({ ...opener, onDownload: (p) => progress.download(p.file, p.bytes, p.total) });
              for (const a of opened.session.model.adapters) progress.note(`adapter ${a.spec}`);
              progress.note(`editing with ${opened.session.method === "kontext" ? "FLUX.1 Kontext" : "ICEdit"}`);
              await store.writeEditMethod(opened.session.method);
            }
            const onProgress = (p: EditProgress): void => {
              if (p.denoising && p.step > p.from) progress.bar(p.step, p.steps, `${sample.id}: step ${p.step}/${p.steps}`);
            };
            return (await opened.session.edit(input, sample.instruction, { ...edit, signal, onProgress })).image;
          };
    const vlm = flags.vlmJudge ? await vlmScorer(flags.vlmJudge) : undefined;
    const records = await run(bench, store, measure, produce, vlm, flags, controller.signal, progress);
    progress.finish();
    const method = opened.session?.method ?? (await store.editMethod());
    const report = evalReport(bench, settings, records, rowLabel(values, flags, method));
    await writeOutputs(report, bench, store, flags);
    if (values.json === true) io.out(JSON.stringify(report));
    else {
      io.out(report.markdown.trimEnd());
      progress.note(`written: ${join(flags.out, "report.json")}, report.md, sheets/`);
    }
    return 0;
  } catch (error) {
    progress.finish();
    if (controller.signal.aborted || error instanceof CancelledError) {
      io.err(`icedit eval: stopped; the finished samples are kept in ${flags.out}: rerun the same command to resume`);
      return 130;
    }
    throw error;
  } finally {
    removeHandler();
    await opened.session?.close();
    await measure?.close();
  }
}

/** The VLM score of each edit through an HTTP judge's chat, after a reachability check (before any edit). */
async function vlmScorer(config: JudgeConfig): Promise<VlmFunction> {
  const judge = createJudge(config);
  const ask = judge.ask?.bind(judge);
  if (!ask) throw new UsageError(`--vlm-judge ${config.kind} cannot answer free-form questions: use openai or ollama`);
  await judge.probe();
  return async (sample, source, generated, signal) =>
    vlmScore(
      ask,
      { source: await encodeImage(source, "png"), edited: await encodeImage(generated, "png"), instruction: sample.instruction },
      signal,
    );
}

async function run(
  bench: Bench,
  store: EvalStore,
  measure: MetricModels,
  produce: ProduceFunction,
  vlm: VlmFunction | undefined,
  flags: EvalFlags,
  signal: AbortSignal,
  progress: Progress,
): Promise<SampleRecord[]> {
  const started = performance.now();
  let made = 0;
  let resumed = 0;
  return runEval({
    bench,
    store,
    measure: (edit) => measure.score(edit),
    produce,
    vlm,
    edits: flags.predictions === undefined,
    chain: flags.chain,
    limit: flags.limit,
    signal,
    onSample: ({ done, total, record, resumed: old }) => {
      if (old) resumed++;
      else made++;
      const per = made === 0 ? 0 : (performance.now() - started) / made;
      const eta = made === 0 ? "" : `  ${seconds(per)}/sample  ETA ${seconds(per * (total - done))}`;
      const what = record.skipped ? "skipped" : old ? "done before" : "scored";
      progress.bar(done, total, `${done}/${total} (${resumed} resumed)  ${record.id}: ${what}${eta}`);
    },
  });
}

async function writeOutputs(report: EvalReport, bench: Bench, store: EvalStore, flags: EvalFlags): Promise<void> {
  await store.writeFile("report.json", `${JSON.stringify(report, null, 2)}\n`);
  await store.writeFile("report.md", report.markdown);
  const byId = new Map(bench.samples.map((s) => [s.id, s]));
  const edited = async (record: SampleRecord): Promise<RgbImage | null> => {
    const path = flags.predictions === undefined ? store.editPath(record.id) : predictionPath(flags.predictions, record.id);
    return path && existsSync(path) ? readImage(path) : null;
  };
  await mkdir(join(store.dir, "sheets"), { recursive: true });
  for (const column of report.columns) {
    const chosen = bestAndWorst(report.records, column, flags.sheetCount);
    const sheet = await bestWorstSheet(chosen, column, { edited, sample: (id) => byId.get(id) });
    if (sheet) await writeImage(join(store.dir, "sheets", `${column.key}.png`), sheet);
  }
}
