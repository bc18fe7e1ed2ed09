/**
 * A Snowflake query as a {@linkcode VaultSource}: runs the vault's ordered query (see `queries.ts`)
 * with `streamResult`, streams the rows through the driver's paused Readable in chunks, and numbers
 * them from `startRecord` (the range is pushed down as `LIMIT/OFFSET`, so the batcher's own range
 * filter never drops a row; both agree on positions).
 *
 * Resume: `read({ from })` re-reads the identical result and starts at `from.position`.
 * 1. `SELECT * FROM TABLE(RESULT_SCAN('<query id>')) ORDER BY 1, 2` while Snowflake keeps the result
 *    (24 h);
 * 2. otherwise (that statement fails: expired or unknown id) the original ordered query again.
 * Either way the row count must equal the stored total and the row at `from.position` must match the
 * cursor's `check`, or the read fails with a {@linkcode SourceError} before yielding anything.
 * `onQuery` reports the statement that serves the read (fresh query, RESULT_SCAN or re-run) only
 * after those checks, so the caller can store its id, the SQL text and the total.
 *
 * @module
 */
import type * as Sdk from "snowflake-sdk";
import type { Clock } from "../../common/clock.ts";
import { ExitCode, SourceError } from "../../common/errors.ts";
import type { SourceCursor, SourceItem, VaultSource } from "../../common/types.ts";
import { type SnowflakeConnection, sqlError } from "./connect.ts";
import { resultScanQuery } from "./queries.ts";
import { itemOf, pullRows } from "./rows.ts";

/** What the ledger keeps about a vault's Snowflake read (`ledger.setSourceState`). */
export interface SnowflakeResumeState {
  /** Query id of the last statement that served the read. */
  queryId?: string;
  /** Rows in its result. */
  total?: number;
  /** The ordered SQL text the run executes. */
  sqlText?: string;
}

/** How a read got its rows. */
export type SnowflakeReadPath = "query" | "result_scan" | "rerun";

/** Reported through `onQuery` once a statement serves a read. */
export interface SnowflakeQueryInfo {
  /** The statement's query id (RESULT_SCAN and re-runs get new ids; each can be scanned again). */
  queryId: string;
  /** The vault's ordered SQL text (also for RESULT_SCAN reads). */
  sqlText: string;
  /** Rows in the result. */
  total: number;
  /** `query` for a fresh read, `result_scan` or `rerun` for a resume. */
  path: SnowflakeReadPath;
  /** Why RESULT_SCAN was not used, when `path` is `rerun` after a stored query id failed. */
  fallbackReason?: string;
  /** Milliseconds until Snowflake answered the statement. */
  executeMs: number;
}

/** Options of {@linkcode snowflakeVaultSource}. */
export interface SnowflakeSourceOptions {
  /** Ledger state of an earlier attempt of this run, when resuming. */
  resume?: SnowflakeResumeState;
  /** Called once a statement serves a read, after the resume checks passed. */
  onQuery?: (info: SnowflakeQueryInfo) => void;
  /** Position of the first row of the result (the pushed-down OFFSET). @default 0 */
  firstPosition?: number;
  /** Most items per yielded array. @default 1000 */
  chunkRows?: number;
  /** Source label. @default "Snowflake query" */
  label?: string;
  /**
   * Longest wait, in ms, for the driver's next row while the reader waits (see
   * {@linkcode DEFAULT_STALL_MS}); then the read fails with a {@linkcode SourceError}.
   * @default DEFAULT_STALL_MS
   */
  stallMs?: number;
  /** Times `stallMs`. @default systemClock */
  clock?: Clock;
}

/** A Snowflake-backed {@linkcode VaultSource}. */
export interface SnowflakeVaultSource extends VaultSource {
  /** The ordered SQL text this source runs. */
  readonly sqlText: string;
  /** Stops any read in progress (the session keeps the connection). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * How long a read waits for the driver's next row before it gives up: 15 minutes, longer than the
 * driver's own retries of a failing chunk download (11 attempts of up to the 60 s request timeout,
 * with up to 16 s between them). Without a limit a read would hang for good on a chunk the driver
 * cannot parse (a 200 answer whose body is not rows, e.g. a proxy's page): snowflake-sdk 3.3.0
 * swallows that error and its row stream never ends.
 */
export const DEFAULT_STALL_MS = 15 * 60_000;

/**
 * A driver error while reading rows of an executed query, such as a result download that failed
 * after the driver's retries. Nothing is wrong with the input, so it exits 75 and says to re-run (as
 * a stall does); an SQL error (one with an SQL state) stays a {@linkcode SourceError} with exit 2.
 */
function transient(error: SourceError & { sqlState?: string }): SourceError {
  if (error.sqlState) return error;
  return new SourceError(`${error.message.replace(/\.$/, "")}; re-run to resume`, {
    exitCode: ExitCode.tempFail,
    cause: error,
  });
}

const FETCH_AS_STRING: Sdk.DataType[] = ["Number", "Date", "Boolean", "JSON", "Buffer"];
const REFUSE = "rerun with --restart";

/** Executes a statement with a streamed result; resolves once Snowflake answered. */
export function executeStreamed(
  connection: SnowflakeConnection,
  sqlText: string,
  signal?: AbortSignal,
): Promise<Sdk.RowStatement> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    let statement: Sdk.RowStatement | undefined;
    const onAbort = () => {
      try {
        statement?.cancel();
      } catch {
        // best effort
      }
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      statement = connection.execute({
        sqlText,
        streamResult: true,
        rowMode: "array",
        fetchAsString: FETCH_AS_STRING,
        complete(error, stmt) {
          signal?.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve(stmt as Sdk.RowStatement);
        },
      }) as Sdk.RowStatement;
    } catch (error) {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    }
  });
}

function checkFrom(from: SourceCursor | undefined, first: number, label: string): SourceCursor | undefined {
  if (from === undefined) return undefined;
  const ok = Number.isSafeInteger(from.position) && from.position >= first && from.offsets === undefined &&
    (from.check === undefined || typeof from.check === "string");
  if (!ok) throw new SourceError(`${label}: the resume cursor does not belong to this Snowflake source`);
  return from;
}

function refuse(detail: string): SourceError {
  return new SourceError(
    `cannot resume: the Snowflake result changed since the run began (${detail}); ${REFUSE}`,
  );
}

/**
 * A source reading `sqlText` (already ordered and ranged) over `connection`.
 *
 * @example
 * ```ts ignore
 * const source = snowflakeVaultSource(connection, sqlText, {
 *   resume: ledger.sourceState(runId, "NAME") as SnowflakeResumeState | undefined,
 *   onQuery: (info) => ledger.setSourceState(runId, "NAME", info),
 * });
 * for await (const items of source.read({ from })) handle(items);
 * ```
 */
export function snowflakeVaultSource(
  connection: SnowflakeConnection,
  sqlText: string,
  options: SnowflakeSourceOptions = {},
): SnowflakeVaultSource {
  const label = options.label ?? "Snowflake query";
  const first = options.firstPosition ?? 0;
  const chunkRows = Math.max(1, options.chunkRows ?? 1000);
  const state: SnowflakeResumeState = { ...options.resume };
  const active = new Set<AbortController>();

  async function run(text: string, signal?: AbortSignal): Promise<{ stmt: Sdk.RowStatement; ms: number }> {
    const t0 = performance.now();
    const stmt = await executeStreamed(connection, text, signal);
    return { stmt, ms: performance.now() - t0 };
  }

  async function open(from: SourceCursor | undefined, signal?: AbortSignal) {
    if (from !== undefined && state.sqlText !== undefined && state.sqlText !== sqlText) {
      throw new SourceError(`cannot resume: the Snowflake query text changed since the run began; ${REFUSE}`);
    }
    let path: SnowflakeReadPath = "query";
    let fallbackReason: string | undefined;
    let served: { stmt: Sdk.RowStatement; ms: number } | undefined;
    if (state.queryId !== undefined) {
      try {
        served = await run(resultScanQuery(state.queryId), signal);
        path = "result_scan";
      } catch (error) {
        signal?.throwIfAborted();
        fallbackReason = sqlError(error, "RESULT_SCAN of the stored query id").message;
      }
    }
    if (served === undefined) {
      if (from !== undefined || state.queryId !== undefined) path = "rerun";
      try {
        served = await run(sqlText, signal);
      } catch (error) {
        signal?.throwIfAborted();
        throw sqlError(error, label);
      }
    }
    const total = served.stmt.getNumRows();
    const columns = served.stmt.getColumns()?.length ?? 0;
    if (total > 0 && columns < 2) {
      throw new SourceError(`${label} returned ${columns} column(s); it must return value and token first`);
    }
    if (from !== undefined) {
      if (state.total !== undefined && total !== state.total) {
        throw refuse(`${state.total} rows then, ${total} now`);
      }
      if (from.position - first >= total) throw refuse(`no row at position ${from.position}`);
    }
    const info: SnowflakeQueryInfo = {
      queryId: served.stmt.getQueryId(),
      sqlText,
      total,
      path,
      executeMs: Math.round(served.ms),
    };
    if (fallbackReason !== undefined) info.fallbackReason = fallbackReason;
    return { stmt: served.stmt, info };
  }

  async function* read(
    readOptions: { from?: SourceCursor; signal?: AbortSignal } = {},
  ): AsyncGenerator<SourceItem[]> {
    const from = checkFrom(readOptions.from, first, label);
    const controller = new AbortController();
    const outer = readOptions.signal;
    const forward = () => controller.abort(outer!.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener("abort", forward, { once: true });
    active.add(controller);
    const signal = controller.signal;
    try {
      const { stmt, info } = await open(from, signal);
      let position = from?.position ?? first;
      const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
      const rows = pullRows(stmt.streamRows({ start: position - first }), chunkRows, {
        signal,
        mapError: (error) => transient(sqlError(error, `${label} (reading rows)`)),
        stallMs,
        clock: options.clock,
        onStall: () =>
          new SourceError(
            `${label} (reading rows) failed: Snowflake sent no rows for ${
              Math.round(stallMs / 1000)
            } s (a result chunk could not be downloaded or read); re-run to resume`,
            { exitCode: ExitCode.tempFail },
          ),
      });
      let reported = false;
      for await (const chunk of rows) {
        const items = chunk.map((row) => itemOf(row, position++));
        if (!reported) {
          if (from?.check !== undefined && items[0].cursor.check !== from.check) {
            throw refuse(`the row at position ${from.position} differs`);
          }
          reported = true;
          Object.assign(state, { queryId: info.queryId, total: info.total, sqlText });
          options.onQuery?.(info);
        }
        yield items;
      }
      if (!reported) {
        Object.assign(state, { queryId: info.queryId, total: info.total, sqlText });
        options.onQuery?.(info);
      }
    } finally {
      outer?.removeEventListener("abort", forward);
      active.delete(controller);
    }
  }

  return {
    label,
    sqlText,
    read,
    close() {
      for (const controller of active) controller.abort(new SourceError(`${label}: source closed`));
      active.clear();
      return Promise.resolve();
    },
  };
}
