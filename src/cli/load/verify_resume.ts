/**
 * Before a resumed CSV load sends anything: re-hash a few of the batches the run already read and
 * refuse the resume when the file's content differs (see `pipeline/verify.ts` for which batches and
 * why). Snowflake results carry their own row check in the cursor; error logs are fingerprinted by
 * a full SHA-256.
 *
 * @module
 */
import { SourceError } from "../../common/errors.ts";
import type { LoadSettings } from "../../config/settings.ts";
import type { Ledger, ResumePoint } from "../../ledger/mod.ts";
import { firstChangedBatch } from "../../pipeline/verify.ts";
import type { LoadPlan } from "../../sources/plan.ts";

/**
 * Re-checks the sampled sent batches of every CSV vault of a resumed run. On a difference the run is
 * released (marked interrupted, still resumable once the file is put back).
 *
 * @throws {SourceError} (exit 2) naming the file, e.g. `cannot resume run r…: data/ssn_data.csv +
 * data/ssn_tokens.csv no longer holds what the run read (rows 1200–1249 differ); …`.
 */
export async function verifyResume(
  ledger: Ledger,
  runId: string,
  settings: LoadSettings,
  plan: LoadPlan,
  resumes: ReadonlyMap<string, ResumePoint>,
): Promise<void> {
  for (const v of plan.vaults) {
    if (v.files.length === 0) continue;
    const point = resumes.get(v.spec.name);
    if (!point) continue;
    const samples = ledger.resumeSamples(runId, v.spec.name, point.startSeq);
    const changed = await firstChangedBatch({
      vault: v.spec.name,
      source: v.source,
      batchSize: settings.batchSize,
      startRecord: settings.startRecord,
      maxRecords: settings.maxRecords,
      samples,
    });
    if (!changed) continue;
    ledger.finishRun(runId, "interrupted");
    const rows = `rows ${changed.cursor.position}–${changed.endPosition - 1}`;
    throw new SourceError(
      `cannot resume run ${runId}: ${v.files.join(" + ")} no longer holds what the run read ` +
        `(${rows} differ); put the original file back, or rerun with --restart to start over`,
    );
  }
}
