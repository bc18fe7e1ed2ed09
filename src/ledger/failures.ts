/**
 * Failed records: listing, counting, retry bookkeeping, export grouping and purging. Values and
 * tokens are PII: they live only here, never in messages.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { int, type Row, type Store, text } from "./_store.ts";
import type { FailureVerdict } from "../common/types.ts";
import { FAILURE_UPSERT_SQL, RESOLVE_SQL } from "./_sql.ts";

export type { FailureVerdict } from "../common/types.ts";

/** A stored failed record. `value`/`token` are `null` once purged. */
export interface StoredFailure {
  /** Run id. */
  runId: string;
  /** Vault name (`VaultSpec.name`). */
  vault: string;
  /** The record's source position. */
  position: number;
  /** Seq of the batch that carried the record. */
  batchSeq: number;
  /** The value (PII). */
  value: string | null;
  /** The token (PII). */
  token: string | null;
  /** HTTP status of the last failure (0 = network). */
  statusCode: number;
  /** The vault's message or byot's description. */
  message: string;
  /** `X-Request-Id` of the answer, when there was one. */
  requestId?: string;
  /** True when the failure was transient (retry budget spent). */
  retryable: boolean;
  /** Requests that carried the record, over every attempt. */
  attempts: number;
  /** When it first failed (ms since the epoch). */
  firstSeen: number;
  /** When it last failed (ms since the epoch). */
  lastSeen: number;
  /** What `byot verify` found ("missing" or "mismatched"); absent for a load's failure. */
  verdict?: FailureVerdict;
  /** When a retry loaded it (ms since the epoch). */
  resolvedAt?: number;
  /** When its value and token were purged (ms since the epoch). */
  purgedAt?: number;
}

/** Which failures a query covers. */
export interface FailureFilter {
  /** Run id. @default every run */
  runId?: string;
  /** Vault name (`VaultSpec.name`). @default every vault */
  vault?: string;
  /** Only this HTTP status (0 = network). @default every status */
  statusCode?: number;
  /** Only failures `byot verify` found with this verdict. @default every failure */
  verdict?: FailureVerdict;
  /** Include failures a retry resolved. @default false */
  includeResolved?: boolean;
  /** Include purged failures (value and token gone). @default false */
  includePurged?: boolean;
}

/** A failure to store directly (error-log import, a retry outside a sink). */
export interface FailureInput {
  /** The record's source position. */
  position: number;
  /** Seq of the batch that carried the record. */
  batchSeq: number;
  /** The value (PII). */
  value: string;
  /** The token (PII). */
  token: string;
  /** HTTP status of the last failure (0 = network). */
  statusCode: number;
  /** The vault's message or byot's description. */
  message: string;
  /** `X-Request-Id` of the answer, when there was one. */
  requestId?: string;
  /** True when the failure was transient (retry budget spent). */
  retryable: boolean;
  /** Requests that carried the record. @default 1 */
  attempts?: number;
  /** When it was seen (ms since the epoch). @default now */
  at?: number;
}

/** Failures by HTTP status and by run and vault. */
export interface FailureCounts {
  /** Matching failures. */
  total: number;
  /** Counts per HTTP status, ascending. */
  byStatus: { statusCode: number; count: number }[];
  /** Counts per run and vault. */
  byRunVault: { runId: string; vault: string; count: number }[];
}

/** Failures of one batch sharing a status and message: one entry of a legacy error log. */
export interface FailureGroup {
  /** Run id. */
  runId: string;
  /** Batch number (`seq`). */
  batchNumber: number;
  /** HTTP status of the last failure (0 = network). */
  statusCode: number;
  /** Error message. */
  error: string;
  /** Latest `lastSeen` of the group. */
  timestamp: number;
  /** The records, in position order. */
  records: { value: string; token: string }[];
}

const COLUMNS = "run_id, vault, position, batch_seq, value, token, status_code, message, request_id, " +
  "retryable, attempts, first_seen, last_seen, resolved_at, purged_at, verdict";

function where(filter: FailureFilter): { sql: string; params: SQLInputValue[] } {
  const parts: string[] = [];
  const params: SQLInputValue[] = [];
  const add = (sql: string, value: SQLInputValue) => {
    parts.push(sql);
    params.push(value);
  };
  if (filter.runId !== undefined) add("run_id = ?", filter.runId);
  if (filter.vault !== undefined) add("vault = ?", filter.vault);
  if (filter.statusCode !== undefined) add("status_code = ?", filter.statusCode);
  if (filter.verdict !== undefined) add("verdict = ?", filter.verdict);
  if (!filter.includeResolved) parts.push("resolved_at IS NULL");
  if (!filter.includePurged) parts.push("purged_at IS NULL");
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

/** Options of {@linkcode listFailures}. */
export interface ListFailuresOptions extends FailureFilter {
  /** Rows per page. @default 1000 */
  limit?: number;
  /** Keyset paging: only rows after this (runId, vault, position). @default from the start */
  after?: { runId: string; vault: string; position: number };
}

/** Failures in (run, vault, position) order, one page at a time. */
export function listFailures(store: Store, options: ListFailuresOptions = {}): StoredFailure[] {
  const w = where(options);
  let sql = `SELECT ${COLUMNS} FROM failed_records WHERE ${w.sql}`;
  const params = [...w.params];
  if (options.after) {
    sql += " AND (run_id, vault, position) > (?, ?, ?)";
    params.push(options.after.runId, options.after.vault, options.after.position);
  }
  sql += " ORDER BY run_id, vault, position LIMIT ?";
  params.push(options.limit ?? 1000);
  return store.all(sql, ...params).map(toFailure);
}

/** Every matching failure, read page by page (never all in memory). */
export function* eachFailure(
  store: Store,
  filter: FailureFilter = {},
  pageSize = 1000,
): Generator<StoredFailure> {
  let after: ListFailuresOptions["after"];
  while (true) {
    const page = listFailures(store, { ...filter, after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1];
    after = { runId: last.runId, vault: last.vault, position: last.position };
  }
}

/** How many failures match, by status and by run and vault. */
export function countFailures(store: Store, filter: FailureFilter = {}): FailureCounts {
  const w = where(filter);
  const byStatus = store.all(
    `SELECT status_code, count(*) AS n FROM failed_records WHERE ${w.sql} GROUP BY status_code ORDER BY status_code`,
    ...w.params,
  ).map((r) => ({ statusCode: int(r.status_code), count: int(r.n) }));
  const byRunVault = store.all(
    `SELECT run_id, vault, count(*) AS n FROM failed_records WHERE ${w.sql} GROUP BY run_id, vault
     ORDER BY run_id, vault`,
    ...w.params,
  ).map((r) => ({ runId: String(r.run_id), vault: String(r.vault), count: int(r.n) }));
  return { total: byStatus.reduce((sum, s) => sum + s.count, 0), byStatus, byRunVault };
}

/** Marks failures resolved (their records are now loaded); returns how many changed. */
export function markResolved(
  store: Store,
  runId: string,
  vault: string,
  positions: Iterable<number>,
): number {
  const now = store.clock.now();
  return store.transaction(() => {
    let changed = 0;
    for (const position of positions) changed += store.run(RESOLVE_SQL, now, runId, vault, position);
    return changed;
  });
}

/**
 * Stores failures in one transaction. A failure already stored for the same (run, vault, position)
 * keeps its `firstSeen`, adds the attempts, takes the new status and message and is unresolved.
 */
export function recordFailures(
  store: Store,
  runId: string,
  vault: string,
  failures: Iterable<FailureInput>,
): number {
  const now = store.clock.now();
  return store.transaction(() => {
    let n = 0;
    for (const f of failures) {
      const at = f.at ?? now;
      store.run(
        FAILURE_UPSERT_SQL,
        runId,
        vault,
        f.position,
        f.batchSeq,
        f.value,
        f.token,
        f.statusCode,
        f.message,
        f.requestId ?? null,
        f.retryable ? 1 : 0,
        f.attempts ?? 1,
        at,
        at,
        null,
      );
      n++;
    }
    return n;
  });
}

/**
 * Failures grouped as the legacy error log groups them: per batch, then per (status, message) in
 * order of first appearance. Reads one batch at a time, in (run, batch, position) order.
 */
export function* failureGroups(
  store: Store,
  filter: FailureFilter & { vault: string },
): Generator<FailureGroup> {
  let batch: StoredFailure[] = [];
  const emit = function* (): Generator<FailureGroup> {
    const groups = new Map<string, FailureGroup>();
    for (const f of batch) {
      const key = `${f.statusCode}\u0000${f.message}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          runId: f.runId,
          batchNumber: f.batchSeq,
          statusCode: f.statusCode,
          error: f.message,
          timestamp: 0,
          records: [],
        };
        groups.set(key, group);
      }
      group.timestamp = Math.max(group.timestamp, f.lastSeen);
      group.records.push({ value: f.value ?? "", token: f.token ?? "" });
    }
    yield* groups.values();
  };
  const w = where({ ...filter, includePurged: false });
  let after: [string, number, number] | undefined;
  while (true) {
    const page = store.all(
      `SELECT ${COLUMNS} FROM failed_records WHERE ${w.sql}` +
        (after ? " AND (run_id, batch_seq, position) > (?, ?, ?)" : "") +
        " ORDER BY run_id, batch_seq, position LIMIT 1000",
      ...w.params,
      ...(after ?? []),
    ).map(toFailure);
    for (const f of page) {
      const head = batch[0];
      if (head && (head.runId !== f.runId || head.batchSeq !== f.batchSeq)) {
        yield* emit();
        batch = [];
      }
      batch.push(f);
    }
    if (page.length < 1000) break;
    const last = page[page.length - 1];
    after = [last.runId, last.batchSeq, last.position];
  }
  if (batch.length) yield* emit();
}

/**
 * Deletes stored values and tokens: the rows stay (status, message and counts remain for `byot
 * status`) with `value`/`token` NULL and `purged_at` set; purged rows are never retried or exported.
 * Uses `secure_delete` and truncates the WAL so the bytes leave the disk. Returns how many rows.
 */
export function purgeFailures(store: Store, filter: Omit<FailureFilter, "includePurged"> = {}): number {
  const w = where({ ...filter, includeResolved: filter.includeResolved ?? true, includePurged: false });
  const now = store.clock.now();
  store.guard("purge failures", () => store.db.exec("PRAGMA secure_delete = ON"));
  try {
    const changed = store.transaction(() =>
      store.run(
        `UPDATE failed_records SET value = NULL, token = NULL, purged_at = ? WHERE ${w.sql}`,
        now,
        ...w.params,
      )
    );
    store.guard("checkpoint the WAL", () => store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    return changed;
  } finally {
    store.guard("purge failures", () => store.db.exec("PRAGMA secure_delete = OFF"));
  }
}

function toFailure(r: Row): StoredFailure {
  const f: StoredFailure = {
    runId: String(r.run_id),
    vault: String(r.vault),
    position: int(r.position),
    batchSeq: int(r.batch_seq),
    value: text(r.value) ?? null,
    token: text(r.token) ?? null,
    statusCode: int(r.status_code),
    message: String(r.message),
    retryable: int(r.retryable) !== 0,
    attempts: int(r.attempts),
    firstSeen: int(r.first_seen),
    lastSeen: int(r.last_seen),
  };
  if (text(r.request_id) !== undefined) f.requestId = text(r.request_id);
  if (r.verdict === "missing" || r.verdict === "mismatched") f.verdict = r.verdict;
  if (r.resolved_at !== null) f.resolvedAt = int(r.resolved_at);
  if (r.purged_at !== null) f.purgedAt = int(r.purged_at);
  return f;
}
