/**
 * Jobs and claims. A run belongs to a *job*: the identity of what is loaded (source kind and
 * identity, vault set, shard, record range and the batch-deciding settings), hashed into a job key.
 * One ledger holds any number of jobs and runs; a command continues the unfinished run of its own
 * job only, so per-vault processes and side-by-side shards can share one state file.
 *
 * A run is worked on by one process at a time. Selecting (or creating) the run and claiming it for
 * this process is one `BEGIN IMMEDIATE` transaction ({@linkcode claimRun}), so two processes started
 * at the same moment cannot both take the same run: the second sees the first's claim. A claim names
 * the host and pid of its process and carries a lease the process renews every
 * {@linkcode LEASE_RENEW_MS}. A claimed run is *live*, and is never resumed, restarted or abandoned
 * by another process, while its process is alive on this host (`/proc/<pid>/cmdline` is a byot
 * load) or, for a process on another host (or when this host cannot tell), while its lease is
 * younger than {@linkcode LEASE_TTL_MS}.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Store } from "./_store.ts";
import { stripSecrets } from "./fingerprint.ts";
import { advanceSettled } from "./settled.ts";
import { type CreateRunInput, getRun, insertRun, type RunInfo, type RunStatus } from "./runs.ts";

/** How often a loading process renews the lease of its run, in ms. */
export const LEASE_RENEW_MS = 10_000;

/** A lease older than this (ms) no longer proves that a process on another host holds the run. */
export const LEASE_TTL_MS = 60_000;

/** Settings keys that vary between runs of one job (the per-run suffix seed). */
const PER_RUN_KEYS = new Set(["suffixSeed"]);

/**
 * The job key of a run's batch-deciding settings: SHA-256 (first 32 hex digits) of their JSON with
 * keys sorted, secrets and per-run keys (the suffix seed) left out.
 */
export function jobKeyOf(settings: unknown): string {
  const canonical = JSON.stringify(stripSecrets(settings), (key, value) => {
    if (PER_RUN_KEYS.has(key)) return undefined;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
    }
    return value;
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/** Who is asking, and how to tell whether another process is alive. */
export interface ClaimantInfo {
  /** This host's name. */
  host: string;
  /** This process's id. */
  pid: number;
  /**
   * Whether `pid` on this host is a live byot load: `true`, `false`, or `undefined` when this host
   * cannot tell (then the lease decides). @default {@linkcode loaderAlive}
   */
  pidAlive?: (pid: number) => boolean | undefined;
  /** Pids that never count as holders (this process, the parent that detached it). @default [] */
  handover?: number[];
}

/** Input of {@linkcode claimRun}. */
export interface ClaimInput extends ClaimantInfo {
  /** The command's job. */
  jobKey: string;
  /** `--restart`: abandon the job's unfinished run (unless live) and create a new one. */
  restart?: boolean;
  /** `--resume`: only continue the job's unfinished run; never create one. */
  resume?: boolean;
  /** The run to create when the job has no unfinished run (its `jobKey`, `host`, `pid` are set here). */
  create: CreateRunInput;
  /** Checks that the unfinished run may be resumed; throwing rolls the claim back. */
  check?: (run: RunInfo) => void;
}

/** What {@linkcode claimRun} did. */
export type ClaimResult =
  & {
    /** Unfinished runs of other jobs in the ledger, newest first (for a one-line mention). */
    others: RunInfo[];
  }
  & (
    | { outcome: "resumed"; run: RunInfo; previousStatus: RunStatus }
    | { outcome: "created"; run: RunInfo; abandoned?: RunInfo }
    | { outcome: "busy"; run: RunInfo }
    | { outcome: "nothing" }
  );

/**
 * Selects the job's unfinished run (or creates one) and claims it for this process, in one write
 * transaction. `busy`: a live process holds the run (nothing changed). `nothing`: `--resume` with no
 * unfinished run.
 */
export function claimRun(store: Store, input: ClaimInput): ClaimResult {
  return store.transaction(() => {
    backfillJobKeys(store);
    const now = store.clock.now();
    const unfinished = store.all(
      "SELECT id FROM runs WHERE status NOT IN ('finished', 'abandoned') ORDER BY created_at DESC, id DESC",
    ).map((row) => getRun(store, String(row.id))!);
    const mine = unfinished.find((r) => r.jobKey === input.jobKey);
    const others = unfinished.filter((r) => r.jobKey !== input.jobKey);
    if (mine && runIsLive(mine, input, now)) return { outcome: "busy", run: mine, others };
    if (mine && !input.restart) {
      input.check?.(mine);
      store.run(
        "UPDATE runs SET status = 'running', finished_at = NULL, updated_at = ?, pid = ?, host = ?, " +
          "lease_at = ? WHERE id = ?",
        now,
        input.pid,
        input.host,
        now,
        mine.id,
      );
      // A run recorded before the settled watermark existed is folded once, here (see settled.ts).
      for (const v of mine.vaults) advanceSettled(store, mine.id, v.name);
      return { outcome: "resumed", run: getRun(store, mine.id)!, previousStatus: mine.status, others };
    }
    if (!mine && input.resume) return { outcome: "nothing", others };
    if (mine) {
      store.run(
        "UPDATE runs SET status = 'abandoned', updated_at = ?, finished_at = ? WHERE id = ?",
        now,
        now,
        mine.id,
      );
    }
    const run = insertRun(store, { ...input.create, jobKey: input.jobKey, host: input.host, pid: input.pid });
    return mine ? { outcome: "created", run, abandoned: mine, others } : { outcome: "created", run, others };
  });
}

/** Renews the lease of a run this process holds; false when another process took it over. */
export function renewLease(store: Store, runId: string, holder: { host: string; pid: number }): boolean {
  return store.run(
    "UPDATE runs SET lease_at = ? WHERE id = ? AND pid = ? AND host = ?",
    store.clock.now(),
    runId,
    holder.pid,
    holder.host,
  ) > 0;
}

/**
 * True when a live process holds `run`: it is `running`, its holder is not the claimant (nor a
 * handover pid), and the holder's process is alive on this host, or, on another host or when this
 * host cannot tell, its lease is younger than {@linkcode LEASE_TTL_MS}. Runs of byot before jobs
 * carry no host: they are taken to be of this host.
 */
export function runIsLive(run: RunInfo, claimant: ClaimantInfo, now: number): boolean {
  if (run.status !== "running" || run.pid === undefined) return false;
  const host = run.host ?? claimant.host;
  if (host === claimant.host) {
    if (run.pid === claimant.pid || (claimant.handover ?? []).includes(run.pid)) return false;
    const alive = (claimant.pidAlive ?? loaderAlive)(run.pid);
    if (alive !== undefined) return alive;
  }
  return run.leaseAt !== undefined && now - run.leaseAt < LEASE_TTL_MS;
}

/**
 * Whether `pid` is a live byot load on this host, from `/proc/<pid>/cmdline` (Linux): `undefined`
 * where there is no `/proc`.
 */
export function loaderAlive(pid: number): boolean | undefined {
  try {
    Deno.statSync("/proc/self");
  } catch {
    return undefined;
  }
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").includes("load");
  } catch {
    return false;
  }
}

/** A one-line description of who holds a run, e.g. `process 4242 on host a1 (lease renewed 3 s ago)`. */
export function describeHolder(run: RunInfo, now: number): string {
  const lease = run.leaseAt === undefined
    ? ""
    : ` (lease renewed ${Math.max(0, Math.round((now - run.leaseAt) / 1000))} s ago)`;
  return `process ${run.pid}${run.host ? ` on host ${run.host}` : ""}${lease}`;
}

/** Gives unfinished runs written before jobs existed the job key of their stored settings. */
function backfillJobKeys(store: Store): void {
  const rows = store.all(
    "SELECT id, settings_json FROM runs WHERE job_key IS NULL AND status NOT IN ('finished', 'abandoned')",
  );
  for (const row of rows) {
    let settings: unknown = null;
    try {
      settings = JSON.parse(String(row.settings_json));
    } catch {
      // unreadable settings: a key of its raw text keeps it apart from every real job
      settings = { unreadable: String(row.settings_json) };
    }
    store.run("UPDATE runs SET job_key = ? WHERE id = ?", jobKeyOf(settings), String(row.id));
  }
}
