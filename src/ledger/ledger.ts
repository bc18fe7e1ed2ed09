/**
 * The checkpoint ledger: an embedded SQLite file (default `./byot-state.db`, mode 0600, WAL) that
 * records runs, their fingerprints, every batch's state per vault and every failed record, so a
 * crashed or interrupted load resumes where it stopped and failures can be exported or retried.
 * It never stores the bearer token or a source password.
 *
 * @example Record a run and resume it
 * ```ts ignore
 * const ledger = Ledger.open("byot-state.db");
 * const run = ledger.createRun({ sourceKind: "csv", fingerprint, settings, vaults });
 * const sink = ledger.sink(run.id);        // pass to the pipeline as its OutcomeSink
 * // … load …
 * sink.close();
 * ledger.finishRun(run.id, "finished");
 * ledger.close();
 * ```
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import { systemClock } from "../common/clock.ts";
import type { VaultSource } from "../common/types.ts";
import { sqliteCode, type Store } from "./_store.ts";
import { openStore } from "./schema.ts";
import { DiskReserve } from "./reserve.ts";
import type { LedgerFsModeOptions } from "./filesystem.ts";
import * as runs from "./runs.ts";
import * as jobs from "./jobs.ts";
import * as failures from "./failures.ts";
import { LedgerSink, type LedgerSinkOptions } from "./sink.ts";
import { type ResumePoint, resumePoint, runSummary, type VaultSummary } from "./resume.ts";
import { type BatchSample, type ResumeSampleOptions, resumeSamples } from "./settled.ts";
import { failuresRetrySource, type FailuresRetrySourceOptions } from "./retry_source.ts";
import type { IntervalSample } from "../report/interval_sampler.ts";
import { listSamples } from "./samples.ts";
import { type RunCoverage, runCoverage } from "./run_coverage.ts";

const SQLITE_FULL = 13;

/** Default state file, relative to the working directory. */
export const DEFAULT_STATE_FILE = "byot-state.db";

/** Options of {@linkcode Ledger.open}. */
export interface LedgerOptions {
  /** Time source for every timestamp and the group-commit timer. @default systemClock */
  clock?: Clock;
  /** Random source for run ids. @default Math.random */
  random?: () => number;
  /**
   * `PRAGMA synchronous`. NORMAL (WAL) survives any process crash; after a power loss the last
   * group commits may roll back. The send reservations are committed with FULL whatever this says,
   * so a batch that may have been sent is never taken for one that was not; the batches whose
   * outcome rolled back are sent again on resume, and every rejection is read back, so records
   * already stored count as already present, never as failed. FULL also fsyncs every group commit,
   * which stalls the event loop on slow disks. @default "NORMAL"
   */
  synchronous?: "NORMAL" | "FULL";
  /** Wait for another process's write lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * Open an existing state file without writing to it (`byot status`, `failures list|export`,
   * `report`): nothing is created, migrated or chmodded, so a running load may hold it and a
   * read-only copy or read-only media works. Tables a newer schema adds may then be missing, and
   * read as empty. @default false
   */
  readOnly?: boolean;
  /** How the filesystem under the state file is found (tests inject a mount table). */
  filesystem?: LedgerFsModeOptions;
}

/** The checkpoint ledger. Open with {@linkcode Ledger.open}; one writer per process. */
export class Ledger {
  #store: Store;
  #sinks = new Set<LedgerSink>();
  #closed = false;
  #reserve?: DiskReserve;

  private constructor(store: Store, reserve?: DiskReserve) {
    this.#store = store;
    this.#reserve = reserve;
  }

  /**
   * Opens or creates the state file (mode 0600, WAL, schema migrated).
   * @throws {CheckpointError} when it is unreadable, damaged or not a byot state file.
   */
  static open(path: string = DEFAULT_STATE_FILE, options: LedgerOptions = {}): Ledger {
    const store = openStore(path, {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs,
      readOnly: options.readOnly,
      filesystem: options.filesystem,
    });
    const writable = !options.readOnly && path !== ":memory:";
    return new Ledger(store, writable ? new DiskReserve(path) : undefined);
  }

  /** Path of the state file. */
  get path(): string {
    return this.#store.path;
  }

  /** Stores a new run (status `running`); secrets in `fingerprint`/`settings` are stripped. */
  createRun(input: runs.CreateRunInput): runs.RunInfo {
    return runs.createRun(this.#store, input);
  }

  /** The run with this id, or `undefined`. */
  getRun(id: string): runs.RunInfo | undefined {
    return runs.getRun(this.#store, id);
  }

  /**
   * The newest run not `finished` (optionally of one source kind, and of one shard, `null` = unsharded):
   * the one a plain rerun resumes.
   */
  latestUnfinishedRun(sourceKind?: string, shard?: string | null): runs.RunInfo | undefined {
    return runs.latestUnfinishedRun(this.#store, sourceKind, shard);
  }

  /**
   * Selects the unfinished run of a job (or creates one) and claims it for this process, in one
   * write transaction (see `jobs.ts`).
   */
  claimRun(input: jobs.ClaimInput): jobs.ClaimResult {
    return jobs.claimRun(this.#store, input);
  }

  /** Renews this process's lease on a run; false when another process holds it now. */
  renewLease(runId: string, holder: { host: string; pid: number }): boolean {
    return jobs.renewLease(this.#store, runId, holder);
  }

  /** Runs, newest first. */
  listRuns(limit?: number): runs.RunInfo[] {
    return runs.listRuns(this.#store, limit);
  }

  /** Sets a run's final (or interrupted) status. */
  finishRun(id: string, status: runs.RunStatus): void {
    runs.finishRun(this.#store, id, status);
  }

  /**
   * After `error` (from any ledger write): when it is a full disk, frees the disk reserve and
   * checkpoints the WAL so that the writes recording where the run stopped fit. True when space was
   * freed and the failed write is worth one more try.
   */
  relieveFullDisk(error: unknown): boolean {
    if (sqliteCode(error) !== SQLITE_FULL || !this.#reserve?.release()) return false;
    try {
      this.#store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // the retried write reports what is still wrong
    }
    return true;
  }

  /** Marks a resumed run `running` again under this process. */
  reopenRun(id: string, pid?: number): void {
    runs.reopenRun(this.#store, id, pid);
  }

  /** Records that every batch of a vault is settled. */
  markVaultFinished(runId: string, vault: string): void {
    runs.markVaultFinished(this.#store, runId, vault);
  }

  /** Stores source-specific read state of a vault (e.g. a Snowflake query id); committed at once. */
  setSourceState(runId: string, vault: string, state: unknown): void {
    runs.setSourceState(this.#store, runId, vault, state);
  }

  /** The read state stored with {@linkcode setSourceState}, or `undefined`. */
  sourceState(runId: string, vault: string): unknown {
    return runs.sourceState(this.#store, runId, vault);
  }

  /** An {@linkcode OutcomeSink} recording a run's outcomes with group commits. Close it when done. */
  sink(runId: string, options?: LedgerSinkOptions): LedgerSink {
    const sink = new LedgerSink(this.#store, runId, options);
    this.#sinks.add(sink);
    return sink;
  }

  /** Where `vault` of `runId` restarts. */
  resumePoint(runId: string, vault: string): ResumePoint {
    return resumePoint(this.#store, runId, vault);
  }

  /** Sent batches of `vault` a resume re-hashes before sending (see `settled.ts`). */
  resumeSamples(
    runId: string,
    vault: string,
    beforeSeq: number,
    options?: ResumeSampleOptions,
  ): BatchSample[] {
    return resumeSamples(this.#store, runId, vault, beforeSeq, options);
  }

  /** The positions `runId` settled as loaded for `vault` (what `byot verify --run` checks). */
  runCoverage(runId: string, vault: string): RunCoverage {
    return runCoverage(this.#store, runId, vault);
  }

  /** Per-vault progress of a run. */
  runSummary(runId: string): VaultSummary[] {
    return runSummary(this.#store, runId);
  }

  /** The run's interval samples, by vault then time (for `byot report`). */
  samples(runId: string): IntervalSample[] {
    return listSamples(this.#store, runId);
  }

  /** One page of failures, in (run, vault, position) order. */
  listFailures(options?: failures.ListFailuresOptions): failures.StoredFailure[] {
    return failures.listFailures(this.#store, options);
  }

  /** Every matching failure, page by page. */
  eachFailure(filter?: failures.FailureFilter, pageSize?: number): Generator<failures.StoredFailure> {
    return failures.eachFailure(this.#store, filter, pageSize);
  }

  /** Failure counts by status and by run and vault. */
  countFailures(filter?: failures.FailureFilter): failures.FailureCounts {
    return failures.countFailures(this.#store, filter);
  }

  /** Marks failures resolved; returns how many changed. */
  markResolved(runId: string, vault: string, positions: Iterable<number>): number {
    return failures.markResolved(this.#store, runId, vault, positions);
  }

  /** Stores (or re-records, adding attempts) failures: error-log import, retries outside a sink. */
  recordFailures(runId: string, vault: string, list: Iterable<failures.FailureInput>): number {
    return failures.recordFailures(this.#store, runId, vault, list);
  }

  /** Failures grouped per batch and (status, message), as legacy error-log entries. */
  failureGroups(filter: failures.FailureFilter & { vault: string }): Generator<failures.FailureGroup> {
    return failures.failureGroups(this.#store, filter);
  }

  /** Deletes stored values and tokens of matching failures; returns how many rows. */
  purgeFailures(filter?: Omit<failures.FailureFilter, "includePurged">): number {
    return failures.purgeFailures(this.#store, filter);
  }

  /** The unresolved failures of one run and vault as a source, for `failures retry`. */
  failuresRetrySource(options: FailuresRetrySourceOptions): VaultSource {
    return failuresRetrySource(this.#store, options);
  }

  /** `PRAGMA integrity_check`: `"ok"` or SQLite's first complaint. */
  integrityCheck(): string {
    return String(this.#store.get("PRAGMA integrity_check")?.integrity_check);
  }

  /** Copies the WAL into the database file and empties it. */
  checkpoint(): void {
    this.#store.guard("checkpoint the WAL", () => this.#store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }

  /** Closes every sink (flushing it), then the database. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      for (const sink of this.#sinks) sink.close();
    } finally {
      this.#sinks.clear();
      this.#reserve?.close();
      this.#store.guard("close the state file", () => this.#store.db.close());
    }
  }
}
