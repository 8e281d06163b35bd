/**
 * `evalDemo`: the held-out edits of the demo world through the real edit path, one opened
 * IceditSession per configuration (open once, edit many), each edit scored by the pixel rule.
 * What the session is opened with and how each edit is asked for come from the caller (the CLI
 * maps its flags onto them); nothing here prints or writes files.
 */
import { IceditSession, type OpenOptions } from "../../api/session.js";
import type { EditOptions, SelectionOptions } from "../../api/edit-options.js";
import type { ModelIdentity } from "../../api/open-model.js";
import { evaluateEdits, type EvaluateOptions, type EvaluationRun } from "./evaluate.js";
import type { EvalExample } from "./eval-example.js";
import { vaeCeiling } from "./vae-ceiling.js";

/** One row of the table: how the session is opened (its adapters) and whether edits run noise selection. */
export interface EvalDemoRun {
  /** A short key (a configuration name such as "moe+select", or "edits"). */
  readonly name: string;
  /** The row's name in the table. */
  readonly label: string;
  /** The session's adapters: specs, [] for none, "auto" for the model folder's own. */
  readonly loras: readonly string[] | "auto";
  readonly selection?: SelectionOptions;
  /** The VAE ceiling row (vae-ceiling.ts): no session, no edit; the target autoencoded. */
  readonly ceiling?: boolean;
}

export interface EvalDemoOptions {
  readonly examples: readonly EvalExample[];
  readonly runs: readonly EvalDemoRun[];
  /** How to open the model (adapters come from each run). */
  readonly open: Omit<OpenOptions, "loras">;
  /** Every edit's settings (seed, steps, width, guidance, ...); selection comes from each run. */
  readonly edit: Omit<EditOptions, "selection" | "signal" | "onProgress">;
  readonly signal?: AbortSignal;
  /** A run begins (before its session opens). */
  readonly onRun?: (run: EvalDemoRun) => void;
  /** A run's session is open: the model and its adapters. */
  readonly onOpen?: (run: EvalDemoRun, model: ModelIdentity, adapters: readonly string[]) => void;
  /** After each edit is scored, with the edited image. */
  readonly onEdit?: (run: EvalDemoRun, ...edit: Parameters<NonNullable<EvaluateOptions["onEdit"]>>) => void | Promise<void>;
}

export interface EvalDemoResult extends EvaluationRun {
  readonly run: EvalDemoRun;
  /** The adapters the session applied, in words ("LoRA-MoE, 4 experts, top-1: <spec>"). */
  readonly adapters: readonly string[];
  /** Wall time of opening the session. */
  readonly openMs: number;
}

/** runs: [R], examples: [N] -> R results of N scored edits each. */
export async function evalDemo(options: EvalDemoOptions): Promise<EvalDemoResult[]> {
  const results: EvalDemoResult[] = [];
  for (const run of options.runs) {
    options.signal?.throwIfAborted();
    options.onRun?.(run);
    if (run.ceiling) {
      const opening = performance.now();
      const evaluation = await vaeCeiling(options.examples, options.open, {
        width: options.edit.width,
        signal: options.signal,
        onEdit: (...edit) => options.onEdit?.(run, ...edit),
      });
      results.push({ ...evaluation, run, adapters: [], openMs: performance.now() - opening - evaluation.totalMs });
      continue;
    }
    const opening = performance.now();
    const session = await IceditSession.open({ ...options.open, loras: run.loras });
    try {
      const openMs = performance.now() - opening;
      const adapters = session.model.adapters.map((a) =>
        a.kind === "moe-lora" ? `LoRA-MoE, ${a.experts} experts, top-${a.topK}: ${a.spec}` : `LoRA: ${a.spec}`,
      );
      options.onOpen?.(run, session.model, adapters);
      const evaluation = await evaluateEdits(
        options.examples,
        async ({ source, instruction }) => {
          const result = await session.edit(source, instruction, { ...options.edit, selection: run.selection, signal: options.signal });
          return result.image;
        },
        { signal: options.signal, onEdit: (...edit) => options.onEdit?.(run, ...edit) },
      );
      results.push({ ...evaluation, run, adapters, openMs });
    } finally {
      await session.close();
    }
  }
  return results;
}
