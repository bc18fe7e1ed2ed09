/**
 * How `byot status` shows a {@linkcode StatusReport}: a text table for people, and a JSON object
 * with stable keys (`version: 1`; a change that renames or removes a key bumps it) for scripts.
 *
 * @module
 */
import { shellArg } from "../load/hints.ts";
import { formatDuration, formatEta, formatInt, formatRate, roundTo } from "../../report/format.ts";
import type { StatusReport, VaultStatus } from "./report.ts";
import { utcTime } from "../shared/state_file.ts";
import { renderTable, type TableColumn } from "../shared/table.ts";

/** Version of the `byot status --json` shape. */
export const STATUS_JSON_VERSION = 1;

/** A `running` run quiet for longer than this may have lost its process. */
const STALE_MS = 60_000;

const COLUMNS: TableColumn[] = [
  { header: "Vault" },
  { header: "Total", right: true },
  { header: "Loaded", right: true },
  { header: "Failed", right: true },
  { header: "Skipped", right: true },
  { header: "Pending", right: true },
  { header: "Rec/s", right: true },
  { header: "Elapsed", right: true },
  { header: "ETA", right: true },
  { header: "Done" },
];

/**
 * The text form: the run's header lines, one table row per vault (plus a total row when there
 * are several), the fate of the failed records, and how to resume an unfinished run.
 *
 * @param now the current time, for "… ago".
 */
export function renderStatus(report: StatusReport, now: number): string {
  const { run } = report;
  const shard = run.shard ? `, shard ${run.shard}` : "";
  const lines = [`Run ${run.id} (${run.sourceKind}${shard}): ${run.status}`];
  lines.push(`  state file     ${report.stateFile}`);
  lines.push(`  started        ${utcTime(run.createdAt)}`);
  const last = report.totals.lastActivityAt;
  if (last !== undefined) {
    lines.push(`  last activity  ${utcTime(last)} (${formatDuration(Math.max(0, now - last))} ago)`);
  }
  if (run.finishedAt !== undefined) lines.push(`  ended          ${utcTime(run.finishedAt)}`);
  if (run.command) lines.push(`  command        byot ${run.command}`);
  const rows = report.vaults.map(row);
  if (report.vaults.length > 1) rows.push(row({ ...report.totals, name: "all vaults" }));
  lines.push("", renderTable(COLUMNS, rows).trimEnd());
  const { alreadyPresent, unsettled } = report.totals;
  if (alreadyPresent > 0) {
    lines.push(
      "",
      `Already present: ${
        formatInt(alreadyPresent)
      } of the loaded records were in the vault before (read back)`,
    );
  }
  if (unsettled > 0) {
    lines.push(
      "",
      `Unsettled: ${formatInt(unsettled)} records whose retries ran out on transient errors; ` +
        "the same command settles them",
    );
  }
  const f = report.totals.failures;
  if (f.unresolved + f.resolved + f.purged > 0) {
    lines.push(
      "",
      `Failed records: ${formatInt(f.unresolved)} still failing, ${
        formatInt(f.resolved)
      } resolved by retry, ` +
        `${formatInt(f.purged)} purged`,
    );
    if (f.unresolved > 0) {
      const state = `--state ${shellArg(report.stateFile)}`;
      lines.push(
        `  byot failures list ${state}   |   byot failures export --format json ${state}   |   ` +
          `byot failures retry ${state}`,
      );
    }
  }
  const inFlight = report.totals.batches.inFlight;
  if (!report.finished) {
    lines.push("");
    if (run.status === "running" && last !== undefined && now - last > STALE_MS) {
      lines.push(
        `No activity for ${formatDuration(now - last)}: if its process (pid ${run.pid ?? "?"}) is gone, ` +
          "resuming continues it.",
      );
    }
    const active = run.status === "running" && last !== undefined && now - last <= STALE_MS;
    if (inFlight > 0) {
      lines.push(
        active
          ? `${formatInt(inFlight)} batches in flight.`
          : `${formatInt(inFlight)} batches were in flight; a resume replays them safely (no duplicates).`,
      );
    }
    if (active) {
      lines.push(
        `Run ${run.id} is being loaded now${
          run.pid !== undefined ? ` by process ${run.pid}` : ""
        }: follow it with ` +
          `byot status --watch --state ${shellArg(report.stateFile)}` +
          (run.pid !== undefined ? `; stop it cleanly with kill ${run.pid}` : ""),
      );
    } else {
      lines.push(
        report.resumeCommand
          ? `Run ${run.id} is not finished. To resume: ${report.resumeCommand}`
          : `Run ${run.id} was ${run.status} and cannot be resumed.`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

function row(v: VaultStatus): string[] {
  const opt = (n: number | undefined) => n === undefined ? "?" : formatInt(n);
  return [
    v.name,
    opt(v.total),
    formatInt(v.loaded),
    formatInt(v.failed),
    formatInt(v.skipped),
    opt(v.pending),
    formatRate(v.recordsPerSecond),
    formatDuration(v.elapsedMs),
    v.finished ? "--" : formatEta(v.etaMs),
    v.finished ? "yes" : "no",
  ];
}

/** One vault's figures in `status --json`. Unknown numbers are `null`. */
export interface VaultStatusJson {
  /** Vault name, or `"total"` for the totals. */
  name: string;
  /** Rows the run covers; `null` when unknown. */
  total: number | null;
  /** Rows in settled batches (`loaded + failed + skipped`). */
  settled: number;
  /** Records loaded by the run's batches. */
  loaded: number;
  /** Of `loaded`: records found already stored as ours (a re-run, a resume, another process). */
  alreadyPresent: number;
  /** Records of unsettled batches whose outcome is unknown (transient retries ran out). */
  unsettled: number;
  /** Records that failed when the run sent them. */
  failed: number;
  /** Rows skipped (empty or null value or token). */
  skipped: number;
  /** Rows not settled yet; `null` when the total is unknown. */
  pending: number | null;
  /** What became of the failed records: still failing (values kept), resolved by a retry, purged. */
  failures: { unresolved: number; resolved: number; purged: number };
  /** Batches by state. */
  batches: { done: number; failed: number; partiallyFailed: number; inFlight: number; pending: number };
  /** Requests made. */
  requests: number;
  /** First batch start (ISO 8601, UTC); `null` before any batch. */
  startedAt: string | null;
  /** Latest batch activity (ISO 8601, UTC); `null` before any batch. */
  lastActivityAt: string | null;
  /** `lastActivityAt - startedAt`, in whole ms. */
  elapsedMs: number;
  /** Settled rows per second of `elapsedMs`, rounded to 1 decimal. */
  recordsPerSecond: number;
  /** Time to settle `pending` at `recordsPerSecond`, in whole ms; `null` when unknown. */
  etaMs: number | null;
  /** Every row is settled (the run finished). */
  finished: boolean;
}

/** `byot status --json`. `run` is `null` (and `vaults` empty) when the state file holds no run. */
export interface StatusJson {
  /** Shape version ({@linkcode STATUS_JSON_VERSION}). */
  version: number;
  /** Path of the state file. */
  stateFile: string;
  /**
   * The run: id, status, whether it finished, source kind, shard, ISO 8601 times (`finishedAt` is
   * `null` unless the run finished or failed), the command that started it (`null` when not stored)
   * and the one that resumes it (`null` when it cannot be resumed). `null` when the state file holds
   * no run.
   */
  run: {
    id: string;
    status: string;
    finished: boolean;
    sourceKind: string;
    /** The shard this run covers (`i/n`), or null. */
    shard: string | null;
    createdAt: string;
    updatedAt: string;
    finishedAt: string | null;
    command: string | null;
    resumeCommand: string | null;
  } | null;
  /** One entry per vault, in the run's order. */
  vaults: VaultStatusJson[];
  /** Sums over the vaults (elapsed over the whole run, ETA of the slowest vault); `null` without a run. */
  totals: VaultStatusJson | null;
}

/** The JSON form of a report, or of a state file without runs (`report` undefined). */
export function statusJson(report: StatusReport | undefined, stateFile: string): StatusJson {
  if (!report) return { version: STATUS_JSON_VERSION, stateFile, run: null, vaults: [], totals: null };
  const { run } = report;
  const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString();
  return {
    version: STATUS_JSON_VERSION,
    stateFile,
    run: {
      id: run.id,
      shard: run.shard ?? null,
      status: run.status,
      finished: report.finished,
      sourceKind: run.sourceKind,
      createdAt: iso(run.createdAt)!,
      updatedAt: iso(run.updatedAt)!,
      finishedAt: iso(run.finishedAt),
      command: run.command ? `byot ${run.command}` : null,
      resumeCommand: report.resumeCommand ?? null,
    },
    vaults: report.vaults.map(vaultJson),
    totals: vaultJson(report.totals),
  };
}

function vaultJson(v: VaultStatus): VaultStatusJson {
  const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString();
  return {
    name: v.name,
    total: v.total ?? null,
    settled: v.settled,
    loaded: v.loaded,
    alreadyPresent: v.alreadyPresent,
    unsettled: v.unsettled,
    failed: v.failed,
    skipped: v.skipped,
    pending: v.pending ?? null,
    failures: { ...v.failures },
    batches: { ...v.batches },
    requests: v.requests,
    startedAt: iso(v.startedAt),
    lastActivityAt: iso(v.lastActivityAt),
    elapsedMs: Math.round(v.elapsedMs),
    recordsPerSecond: roundTo(v.recordsPerSecond, 1),
    etaMs: v.etaMs === undefined ? null : Math.round(v.etaMs),
    finished: v.finished,
  };
}
