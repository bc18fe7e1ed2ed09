/**
 * byot's Snowflake source: one login per run ({@linkcode openSnowflake}) shared by the sources of
 * every vault ({@linkcode SnowflakeSession.source}). This module does not load the driver; only
 * `openSnowflake` does, on first use.
 *
 * @example
 * ```ts ignore
 * const session = await openSnowflake(settings.snowflake, { logDir: stateDir });
 * try {
 *   const source = session.source(vault, {
 *     startRecord: settings.startRecord,
 *     maxRecords: settings.maxRecords,
 *     resume: parseSnowflakeState(ledger.sourceState(runId, vault.name)),
 *     onQuery: (info) => ledger.setSourceState(runId, vault.name, snowflakeStateOf(info)),
 *   });
 *   for await (const batch of batchesOf({ vault: vault.name, source, batchSize: 25 })) send(batch);
 * } finally {
 *   await session.close();
 * }
 * ```
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { VaultSpec } from "../../common/types.ts";
import type { SnowflakeSettings } from "../../config/settings.ts";
import {
  type ConnectOptions,
  connectSnowflake,
  destroyConnection,
  loginLabel,
  type SnowflakeConnection,
} from "./connect.ts";
import { queryModeOf, type QueryRange, snowflakeQueryText } from "./queries.ts";
import {
  executeStreamed,
  type SnowflakeQueryInfo,
  type SnowflakeResumeState,
  type SnowflakeSourceOptions,
  type SnowflakeVaultSource,
  snowflakeVaultSource,
} from "./source.ts";
import { sqlError } from "./connect.ts";

export { type AuthMethod, authMethodOf, connectionOptions, type ConnectOptions } from "./connect.ts";
export {
  baseQueryText,
  DEFAULT_SIMPLE_TABLE,
  DEFAULT_UNION_NAMES,
  qualifyTable,
  queryModeOf,
  type QueryRange,
  resultScanQuery,
  type SnowflakeQueryMode,
  snowflakeQueryText,
} from "./queries.ts";
export { rowCheck } from "./rows.ts";
export type {
  SnowflakeQueryInfo,
  SnowflakeReadPath,
  SnowflakeResumeState,
  SnowflakeVaultSource,
} from "./source.ts";

/** Options of {@linkcode SnowflakeSession.source}. */
export interface SessionSourceOptions extends QueryRange {
  /** Ledger state of an earlier attempt of this run (see {@linkcode parseSnowflakeState}). */
  resume?: SnowflakeResumeState;
  /** Called once a statement serves a read (fresh, RESULT_SCAN or re-run), after resume checks. */
  onQuery?: (info: SnowflakeQueryInfo) => void;
  /** Most items per yielded array. @default 1000 */
  chunkRows?: number;
  /** Longest wait for the driver's next row while reading. @default DEFAULT_STALL_MS (15 min) */
  stallMs?: number;
  /** Times `stallMs`. @default systemClock */
  clock?: Clock;
}

/** A logged-in Snowflake connection shared by the vault sources of one run. */
export interface SnowflakeSession {
  /** `Snowflake user "U" on account "A"`, for messages. */
  readonly label: string;
  /**
   * The source of one vault: the vault's ordered query with the range pushed down, items numbered
   * from `startRecord`.
   *
   * @throws {ConfigError} when the query mode cannot serve the vault's column.
   */
  source(vault: VaultSpec, options?: SessionSourceOptions): SnowflakeVaultSource;
  /**
   * Compiles the vault's query without running it (`EXPLAIN USING TEXT`): no scan, no row read.
   *
   * @throws {SourceError} with Snowflake's message when the query does not compile.
   */
  explain(vault: VaultSpec, range?: QueryRange): Promise<void>;
  /** Stops the sources' reads, logs out and releases the connection. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@linkcode openSnowflake}. */
export type OpenSnowflakeOptions = ConnectOptions;

/**
 * Loads the driver and logs in once.
 *
 * @throws {ConfigError} for incomplete settings or a failed login (one line, no secret).
 */
export async function openSnowflake(
  settings: SnowflakeSettings,
  options: OpenSnowflakeOptions = {},
): Promise<SnowflakeSession> {
  queryModeOf(settings);
  const connection: SnowflakeConnection = await connectSnowflake(settings, options);
  const sources = new Set<SnowflakeVaultSource>();
  let closed: Promise<void> | undefined;
  return {
    label: `Snowflake ${loginLabel(settings)}`,
    source(vault, sourceOptions = {}) {
      const sqlText = snowflakeQueryText(settings, vault, sourceOptions);
      const sourceOpts: SnowflakeSourceOptions = {
        resume: sourceOptions.resume,
        onQuery: sourceOptions.onQuery,
        chunkRows: sourceOptions.chunkRows,
        stallMs: sourceOptions.stallMs,
        clock: sourceOptions.clock,
        firstPosition: sourceOptions.startRecord ?? 0,
        label: `Snowflake ${queryModeOf(settings)} query for vault ${vault.name} (column ${vault.column})`,
      };
      const source = snowflakeVaultSource(connection, sqlText, sourceOpts);
      sources.add(source);
      return source;
    },
    async explain(vault, range = {}) {
      const sqlText = snowflakeQueryText(settings, vault, range);
      try {
        await executeStreamed(connection, `EXPLAIN USING TEXT ${sqlText}`);
      } catch (error) {
        throw sqlError(error, `the Snowflake query of vault ${vault.name}`);
      }
    },
    close() {
      closed ??= (async () => {
        await Promise.all([...sources].map((s) => s.close()));
        sources.clear();
        await destroyConnection(connection);
      })();
      return closed;
    },
  };
}

/** The ledger state to store for a read (`ledger.setSourceState`): query id, SQL text, total. */
export function snowflakeStateOf(info: SnowflakeQueryInfo): SnowflakeResumeState {
  return { queryId: info.queryId, total: info.total, sqlText: info.sqlText };
}

/** Reads a stored state back from the ledger's JSON; `undefined` when absent or not this shape. */
export function parseSnowflakeState(state: unknown): SnowflakeResumeState | undefined {
  if (state === null || typeof state !== "object") return undefined;
  const s = state as Record<string, unknown>;
  const out: SnowflakeResumeState = {};
  if (typeof s.queryId === "string") out.queryId = s.queryId;
  if (typeof s.total === "number" && Number.isSafeInteger(s.total)) out.total = s.total;
  if (typeof s.sqlText === "string") out.sqlText = s.sqlText;
  return Object.keys(out).length > 0 ? out : undefined;
}
