/**
 * What `serve` does with the data dir before it takes jobs: finish removing the jobs removed before
 * a crash, drop the temporary files of interrupted writes, and list again the finished jobs whose
 * rows are missing (jobs.db lost, emptied or replaced by an older copy) from their result's record.
 * Files of jobs it cannot list again are kept and reported, never deleted.
 */
import type { DataDir } from "./data-dir.js";
import type { AdoptedJob, JobStore } from "./store.js";

export interface TidyReport {
  readonly removed: number;
  readonly adopted: readonly string[];
  readonly kept: readonly string[];
}

export async function tidyDataDir(store: JobStore, dir: DataDir, log: (line: string) => void): Promise<TidyReport> {
  const removed = store.removedIds();
  const sweep = dir.sweep(store.allIds(), removed);
  for (const id of removed) store.forgetRemoved(id);
  if (sweep.removed > 0) log(`removed ${sweep.removed} file(s): temporary files of interrupted writes, and files of removed jobs`);

  const found: AdoptedJob[] = [];
  const kept: string[] = [];
  for (const id of sweep.unknown) {
    const job = dir.hasResult(id) ? await dir.readResultRecord(id) : undefined;
    if (job) found.push(job);
    else kept.push(id);
  }
  found.sort((a, b) => a.createdAt - b.createdAt);
  const adopted = found.filter((job) => store.adopt(job)).map((job) => job.id);
  if (adopted.length > 0) {
    log(
      `listed again ${adopted.length} finished job(s) that jobs.db did not know (was it lost, emptied or replaced by an older copy?), ` +
        "from their results' records",
    );
  }
  if (kept.length > 0) {
    const sample = kept.slice(0, 5).join(", ") + (kept.length > 5 ? ", ..." : "");
    log(
      `kept the files of ${kept.length} job(s) that jobs.db does not know (${sample}) in ${dir.root}: an upload cut short, or a lost jobs.db ` +
        "(restore it with its -wal file to list them again); they are not deleted",
    );
  }
  return { removed: sweep.removed, adopted, kept };
}
