/**
 * The jobs of a ledger for `byot status`: one line per job (what it loads, its latest run, that
 * run's status and loaded count, how many runs it had), so every load sharing a state file is seen.
 *
 * @module
 */
import { jobKeyOf, type Ledger, type RunInfo } from "../../ledger/mod.ts";
import { formatInt } from "../../report/format.ts";
import { utcTime } from "../shared/state_file.ts";
import { renderTable, type TableColumn } from "../shared/table.ts";

/** One job of the ledger. */
export interface JobStatus {
  /** The job key (see `ledger/jobs.ts`). */
  key: string;
  /** What it loads: source kind, vaults, shard. */
  label: string;
  /** Its newest run. */
  latest: RunInfo;
  /** Runs of the job in the ledger. */
  runs: number;
  /** Records the newest run loaded so far. */
  loaded: number;
}

/** Every job of the ledger, the one with the newest run first (up to `limit` runs are read). */
export function listJobs(ledger: Ledger, limit = 1000): JobStatus[] {
  const jobs = new Map<string, JobStatus>();
  for (const run of ledger.listRuns(limit)) {
    const key = run.jobKey ?? jobKeyOf(run.settings);
    const job = jobs.get(key);
    if (job) {
      job.runs++;
      continue;
    }
    const loaded = ledger.runSummary(run.id).reduce((sum, v) => sum + v.loaded, 0);
    jobs.set(key, { key, label: jobLabel(run), latest: run, runs: 1, loaded });
  }
  return [...jobs.values()];
}

/** `csv NAME,SSN shard 1/4`. */
export function jobLabel(run: RunInfo): string {
  return `${run.sourceKind} ${run.vaults.map((v) => v.name).join(",")}${
    run.shard ? ` shard ${run.shard}` : ""
  }`;
}

const COLUMNS: TableColumn[] = [
  { header: "Job" },
  { header: "Latest run" },
  { header: "Status" },
  { header: "Started" },
  { header: "Loaded", right: true },
  { header: "Runs", right: true },
];

/** The text form: a heading and one table row per job. */
export function renderJobs(jobs: readonly JobStatus[], stateFile: string): string {
  const rows = jobs.map((j) => [
    j.label,
    j.latest.id,
    j.latest.status,
    utcTime(j.latest.createdAt),
    formatInt(j.loaded),
    String(j.runs),
  ]);
  return `Jobs in ${stateFile}: ${jobs.length}\n\n${renderTable(COLUMNS, rows).trimEnd()}\n\n`;
}

/** The JSON form of a job (a `jobs` entry of `byot status --json`). */
export interface JobStatusJson {
  /** Job key. */
  key: string;
  /** Source kind, vaults and shard. */
  label: string;
  /** Id and status of its newest run. */
  latestRun: { id: string; status: string };
  /** Records the newest run loaded. */
  loaded: number;
  /** Runs of the job in the ledger. */
  runs: number;
}

/** {@linkcode JobStatus} as JSON. */
export function jobJson(job: JobStatus): JobStatusJson {
  return {
    key: job.key,
    label: job.label,
    latestRun: { id: job.latest.id, status: job.latest.status },
    loaded: job.loaded,
    runs: job.runs,
  };
}
