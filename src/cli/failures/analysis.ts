/**
 * The screen `byot failures retry` shows before it sends anything, modelled on the legacy loader's
 * `ERROR LOG ANALYSIS`: where the failures come from (run, vault, id, column), how many records and
 * batches failed, the breakdown by status code, the reprocessing plan (batch size, concurrency,
 * batches, upsert) and the legacy runtime estimate (batches × 0.2 s / concurrency).
 *
 * @module
 */
import type { VaultSpec } from "../../common/types.ts";
import type { Ledger, RunInfo, RunVault } from "../../ledger/mod.ts";
import { formatDecimal, formatDuration, formatInt, safeDiv } from "../../report/format.ts";
import { utcTime } from "../shared/state_file.ts";

/** The failures of one vault that a retry will send. */
export interface RetryTarget {
  /** The vault as configured now, named as the run stored it. */
  spec: VaultSpec;
  /** The vault as the run recorded it, when it did. */
  recorded?: RunVault;
  /** Unresolved failures (values kept). */
  records: number;
  /** Counts per HTTP status, ascending (0 = network). */
  byStatus: { statusCode: number; count: number }[];
  /** Distinct batches the records failed in. */
  batches: number;
  /** When the latest of them last failed (ms since the epoch). */
  lastSeen: number;
}

/** Reads the figures of {@linkcode RetryTarget} for one vault of a run (one pass over its failures). */
export function retryTarget(ledger: Ledger, run: RunInfo, spec: VaultSpec): RetryTarget {
  const filter = { runId: run.id, vault: spec.name };
  const counts = ledger.countFailures(filter);
  const seqs = new Set<number>();
  let lastSeen = 0;
  for (const f of ledger.eachFailure(filter)) {
    seqs.add(f.batchSeq);
    lastSeen = Math.max(lastSeen, f.lastSeen);
  }
  const target: RetryTarget = {
    spec,
    records: counts.total,
    byStatus: counts.byStatus,
    batches: seqs.size,
    lastSeen,
  };
  const recorded = run.vaults.find((v) => v.name === spec.name);
  if (recorded) target.recorded = recorded;
  return target;
}

/** The legacy loader's label of an HTTP status in its error breakdown. */
export function statusLabel(status: number): string {
  if (status === 0) return "Network Errors";
  const kind = status === 429
    ? "Rate Limited"
    : status >= 500
    ? "Server Error"
    : status >= 400
    ? "Client Error"
    : "Other";
  return `HTTP ${status} (${kind})`;
}

/** The legacy estimate: `ceil(records / batchSize)` batches × 0.2 s / concurrency, in ms. */
export function estimateRuntimeMs(records: number, batchSize: number, concurrency: number): number {
  return (Math.ceil(records / Math.max(1, batchSize)) * 200) / Math.max(1, concurrency);
}

/** What the plan shows. */
export interface RetryPlan {
  /** Path of the state file. */
  stateFile: string;
  /** The run whose failures are retried. */
  run: RunInfo;
  /** One per vault. */
  targets: RetryTarget[];
  /** Records per request of the retry. */
  batchSize: number;
  /** Requests in flight per vault (with `concurrencyAuto`: the ceiling). */
  concurrency: number;
  /** True when the retry adapts its concurrency (`--concurrency auto`, the default). @default false */
  concurrencyAuto?: boolean;
  /** True when the retry updates records already in the vault (`--upsert`). */
  upsert: boolean;
  /** Now, ms since the epoch (for "time since error"). */
  now: number;
}

const RULE = "=".repeat(60);

/** Renders the analysis screen (for stderr), ending with a newline. */
export function renderRetryAnalysis(plan: RetryPlan): string {
  const { run } = plan;
  const lines = [
    RULE,
    "ERROR LOG ANALYSIS",
    RULE,
    "",
    "ERROR LOG INFORMATION",
    `  State file:          ${plan.stateFile}`,
    `  Run:                 ${run.id} (${run.sourceKind}, ${run.status}, started ${utcTime(run.createdAt)})`,
  ];
  let records = 0;
  let batches = 0;
  let runtimeMs = 0;
  for (const t of plan.targets) {
    records += t.records;
    batches += Math.ceil(t.records / plan.batchSize);
    // vaults run side by side: the retry takes as long as its longest vault
    runtimeMs = Math.max(runtimeMs, estimateRuntimeMs(t.records, plan.batchSize, plan.concurrency));
    lines.push("", `Vault ${t.spec.name} (ID: ${t.spec.id}, Column: ${t.spec.column})`);
    const r = t.recorded;
    if (r && (r.id !== t.spec.id || r.column !== t.spec.column || r.table !== t.spec.table)) {
      lines.push(`  Note: the run loaded it as ID ${r.id}, column ${r.column}; the config now wins`);
    }
    lines.push(
      `  Last failure:        ${utcTime(t.lastSeen)} (${
        formatDuration(Math.max(0, plan.now - t.lastSeen))
      } ago)`,
      "  RECORD COUNTS",
      `    Failed batches:      ${formatInt(t.batches)}`,
      `    Failed records:      ${formatInt(t.records)}`,
      `    Average batch size:  ${formatDecimal(safeDiv(t.records, t.batches), 1)}`,
      "  ERROR BREAKDOWN",
      ...t.byStatus.map((s) => `    ${statusLabel(s.statusCode)}: ${formatInt(s.count)} records`),
    );
  }
  lines.push(
    "",
    "REPROCESSING PLAN",
    `  Batch size:          ${formatInt(plan.batchSize)}`,
    `  Concurrency:         ${plan.concurrencyAuto ? "auto, up to " : ""}${
      formatInt(plan.concurrency)
    } per vault`,
    `  Batches:             ${formatInt(batches)}`,
    `  Upsert:              ${plan.upsert ? "ENABLED" : "DISABLED"}`,
    "",
    "ESTIMATED RUNTIME",
    `  ~${formatDuration(runtimeMs)} (batches x 0.2 s / concurrency)`,
    "",
    `WARNING: this sends ${formatInt(records)} failed records again. Records that load are marked resolved;`,
    "records that fail again stay failed, with the new attempt.",
  );
  if (!plan.upsert) {
    lines.push("TIP: if some records may already be in the vault, --upsert updates them instead of failing.");
  }
  lines.push(RULE);
  return lines.join("\n") + "\n";
}
