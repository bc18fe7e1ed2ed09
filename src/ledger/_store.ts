/**
 * Internal: the SQLite connection shared by the ledger's modules, with a prepared-statement cache,
 * a transaction helper and error wrapping. Not part of the public API.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { Clock } from "../common/clock.ts";
import { CheckpointError, ExitCode } from "../common/errors.ts";

/** A row as `node:sqlite` returns it. */
export type Row = Record<string, unknown>;

/** The open database plus the injected dependencies every ledger module needs. */
export class Store {
  /** The open SQLite connection. */
  readonly db: DatabaseSync;
  /** Path of the state file (`:memory:` for an in-memory ledger), named in error messages. */
  readonly path: string;
  /** Time source for the ledger's timestamps. */
  readonly clock: Clock;
  /** Uniform random in [0, 1), for new run ids. */
  readonly random: () => number;
  #statements = new Map<string, StatementSync>();

  /**
   * Wraps an open connection; `openStore()` (`schema.ts`) is the usual way to get one.
   *
   * @param db the open connection.
   * @param path the state file's path, for messages.
   * @param clock time source for timestamps.
   * @param random uniform random in [0, 1), for run ids.
   */
  constructor(db: DatabaseSync, path: string, clock: Clock, random: () => number) {
    this.db = db;
    this.path = path;
    this.clock = clock;
    this.random = random;
  }

  /** A cached prepared statement for `sql`. */
  sql(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.guard("prepare a query", () => this.db.prepare(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `sql` and returns its rows. */
  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.guard("read", () => this.sql(sql).all(...params) as Row[]);
  }

  /** Runs `sql` and returns its first row. */
  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.guard("read", () => this.sql(sql).get(...params) as Row | undefined);
  }

  /** Runs a write statement; returns the number of changed rows. */
  run(sql: string, ...params: SQLInputValue[]): number {
    return this.guard("write", () => Number(this.sql(sql).run(...params).changes));
  }

  /** Runs `fn` inside one `BEGIN IMMEDIATE … COMMIT`; rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    this.guard("start a transaction", () => this.db.exec("BEGIN IMMEDIATE"));
    try {
      const result = fn();
      this.guard("commit", () => this.db.exec("COMMIT"));
      return result;
    } catch (error) {
      try {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
      } catch {
        // the original error is the one worth reporting
      }
      throw error;
    }
  }

  /** Runs `fn`, turning SQLite errors into a {@linkcode CheckpointError} naming the state file. */
  guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof CheckpointError) throw error;
      throw checkpointError(this.path, what, error);
    }
  }
}

/**
 * A {@linkcode CheckpointError} for a failed SQLite operation on the state file. A full disk,
 * read-only media or an I/O error under the ledger is the environment's doing, not a bug: those
 * carry exit code 75 (the run stops like a transient failure and a re-run resumes it).
 */
export function checkpointError(path: string, what: string, cause: unknown): CheckpointError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const environment = ENVIRONMENT_PROBLEMS[sqliteCode(cause) ?? -1];
  if (environment) {
    return new CheckpointError(`state file ${path}: could not ${what}: ${detail} (${environment})`, {
      cause,
      exitCode: ExitCode.tempFail,
    });
  }
  return new CheckpointError(`state file ${path}: could not ${what}: ${detail}`, { cause });
}

/** What the user should know about environment failures, by primary SQLite result code. */
const ENVIRONMENT_PROBLEMS: Record<number, string> = {
  8: "the state file or its disk is read-only",
  10: "the disk under the state file failed to read or write",
  13: "the disk holding the state file is full; free some space",
};

/** The primary SQLite result code of a `node:sqlite` error (`SQLITE_FULL` = 13, …), if it has one. */
export function sqliteCode(error: unknown): number | undefined {
  if (error instanceof CheckpointError) return sqliteCode(error.cause);
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code === "number") return code & 0xff;
  const message = error instanceof Error ? error.message : "";
  if (/database or disk is full/.test(message)) return 13;
  if (/readonly database/.test(message)) return 8;
  if (/disk I\/O error/.test(message)) return 10;
  if (/file is not a database/.test(message)) return 26;
  if (/database is locked/.test(message)) return 5;
  if (/unable to open database file/.test(message)) return 14;
  return undefined;
}

/** Reads an integer column (SQLite returns numbers; null becomes `fallback`). */
export function int(value: unknown, fallback = 0): number {
  return typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : fallback;
}

/** Reads an optional text column. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
