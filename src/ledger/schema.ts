/**
 * How the ledger's state file is opened (its schema is `migrations.ts`): created with mode
 * 0600 before SQLite touches it, WAL journal on a local disk (a rollback journal on a network
 * filesystem, see `filesystem.ts`), `synchronous=NORMAL` by default (group commits keep it cheap), a
 * busy timeout, and an `application_id` so a foreign SQLite file is refused untouched.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CheckpointError, ExitCode } from "../common/errors.ts";
import type { Clock } from "../common/clock.ts";
import { checkpointError, int, sqliteCode, Store } from "./_store.ts";
import { ledgerFsMode, type LedgerFsModeOptions } from "./filesystem.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

/** `PRAGMA application_id` of a byot state file: the ASCII bytes "byot". */
export const APPLICATION_ID = 0x62796f74;

/** Batch states. `pending` is reserved for callers that record a batch before sending it. */
export type BatchStatus = "pending" | "in_flight" | "done" | "failed" | "partially_failed";

/** States after which a batch is never sent again in the same run. */
export const TERMINAL_STATUSES: readonly BatchStatus[] = ["done", "failed", "partially_failed"];

/** {@linkcode TERMINAL_STATUSES} as an SQL list, for `status IN …`. */
export const TERMINAL_SQL = "('done','failed','partially_failed')";

export { SCHEMA_VERSION } from "./migrations.ts";

/** Options of {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** Time source for the ledger's timestamps. */
  clock: Clock;
  /** Uniform random in [0, 1), for new run ids. */
  random: () => number;
  /** `PRAGMA synchronous` (always FULL on a network filesystem). @default "NORMAL" */
  synchronous?: "NORMAL" | "FULL";
  /** How long to wait for another process's write lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * Open for reading only: nothing is created, migrated or chmodded, and a state file on read-only
   * media (or a read-only copy) can be read. @default false
   */
  readOnly?: boolean;
  /** How the filesystem under the state file is found (tests inject a mount table). */
  filesystem?: LedgerFsModeOptions;
}

/**
 * Opens (creating if needed) the state file and brings its schema up to date. Nothing about an
 * existing file changes (not even its mode) until it is known to be a byot state file. The version
 * check and the migrations run in one `BEGIN IMMEDIATE` transaction, so processes opening a fresh
 * ledger at once wait for each other instead of creating the tables twice.
 *
 * @throws {CheckpointError} exit 2 when `path` is a directory, its folder is missing, it is not a
 * SQLite database, belongs to another program, was written by a newer byot, or cannot be written;
 * exit 75 when the disk is full; exit 1 for anything else.
 */
export function openStore(path: string, options: OpenStoreOptions): Store {
  if (path === ":memory:") {
    const store = new Store(new DatabaseSync(path), path, options.clock, options.random);
    store.db.exec("PRAGMA foreign_keys = ON");
    migrate(store);
    return store;
  }
  const exists = checkStatePath(path, options.readOnly === true);
  if (options.readOnly) return openReadOnly(path, options);
  const mode = ledgerFsMode(path, options.filesystem);
  if (!exists) createPrivateFile(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw openError(path, "open the state file", error);
  }
  const store = new Store(db, path, options.clock, options.random);
  try {
    try {
      store.guard("lock the state file", () => db.exec(`PRAGMA locking_mode = ${mode.lockingMode}`));
      migrate(store);
    } catch (error) {
      if (mode.lockingMode === "EXCLUSIVE" && sqliteCode(error) === SQLITE_BUSY) {
        throw new CheckpointError(
          `state file ${path} is in use by another process: on ${mode.fsType} (${mode.mountPoint}) file locks ` +
            `do not reach other hosts, so byot holds the ledger for as long as it runs; give each process its own --state`,
          { cause: error, exitCode: ExitCode.usage },
        );
      }
      throw usageIfEnvironment(path, error);
    }
    if (exists) narrowMode(path);
    store.guard("set up the state file", () => {
      db.exec("PRAGMA foreign_keys = ON");
      // journal_mode is stored in the file: a ledger copied from a local disk to NFS leaves WAL here
      setJournalMode(store, mode.journalMode, options.busyTimeoutMs ?? 5000);
      db.exec(`PRAGMA synchronous = ${mode.network ? "FULL" : options.synchronous ?? "NORMAL"}`);
    });
    privatiseSidecars(path);
  } catch (error) {
    db.close();
    throw error;
  }
  return store;
}

/** A read-only connection; on read-only media without `-shm`, SQLite is told the file is immutable. */
function openReadOnly(path: string, options: OpenStoreOptions): Store {
  const timeout = options.busyTimeoutMs ?? 5000;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout });
    db.prepare("PRAGMA user_version").get();
  } catch (first) {
    db?.close();
    if (sqliteCode(first) !== SQLITE_CANTOPEN) throw openError(path, "open the state file", first);
    // WAL needs a -shm file next to the database; where none can be made the file cannot change either
    try {
      db = new DatabaseSync(`file:${encodeUriPath(path)}?immutable=1`, { readOnly: true, timeout });
    } catch (error) {
      throw openError(path, "open the state file", error);
    }
  }
  const store = new Store(db, path, options.clock, options.random);
  try {
    // an older schema is read as it is: tables a newer byot adds read as empty
    const { version } = checkOwner(store);
    if (version === 0) {
      throw new CheckpointError(`state file ${path} holds no byot ledger yet: run byot load first`, {
        exitCode: ExitCode.usage,
      });
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return store;
}

/**
 * Refuses a `--state` that cannot be a ledger before anything touches it; true when a file exists.
 *
 * @throws {CheckpointError} (exit 2) for a directory, a missing folder, a missing file when
 * reading, or a file that is not a SQLite database.
 */
function checkStatePath(path: string, readOnly: boolean): boolean {
  const usage = (message: string, cause?: unknown) =>
    new CheckpointError(message, { exitCode: ExitCode.usage, cause });
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw usage(`cannot open state file ${path}: ${errorText(error)}`, error);
    }
    if (readOnly) throw usage(`no state file at ${path}`, error);
    const dir = dirname(resolve(path));
    if (!isDirectory(dir)) throw usage(`cannot create state file ${path}: its folder ${dir} does not exist`);
    return false;
  }
  if (info.isDirectory) throw usage(`state file ${path} is a directory; --state takes a file name`);
  if (!info.isFile) throw usage(`state file ${path} is not a regular file`);
  if (info.size === 0) return true;
  let header: Uint8Array;
  try {
    const file = Deno.openSync(path, { read: true });
    try {
      header = new Uint8Array(16);
      header = header.subarray(0, file.readSync(header) ?? 0);
    } finally {
      file.close();
    }
  } catch (error) {
    throw usage(`cannot read state file ${path}: ${errorText(error)}`, error);
  }
  if (new TextDecoder().decode(header) !== "SQLite format 3\0") {
    throw usage(
      `state file ${path} is not a byot state file (it is not a database at all); pass another --state`,
    );
  }
  return true;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Checks `application_id` and `user_version`; returns the version. */
function checkOwner(store: Store): { version: number } {
  const { path } = store;
  const version = int(store.get("PRAGMA user_version")?.user_version);
  const appId = int(store.get("PRAGMA application_id")?.application_id);
  const tables = int(store.get("SELECT count(*) AS n FROM sqlite_schema")?.n);
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
    throw new CheckpointError(
      `state file ${path} is not a byot state file (it holds another program's data); pass another --state`,
      { exitCode: ExitCode.usage },
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new CheckpointError(
      `state file ${path} was written by a newer byot (schema ${version}, this byot knows ${SCHEMA_VERSION})`,
      { exitCode: ExitCode.usage },
    );
  }
  return { version };
}

/** Version check and migrations in one write transaction: a twin process waits, then finds them done. */
function migrate(store: Store): void {
  const { db } = store;
  store.transaction(() => {
    const { version } = checkOwner(store);
    if (version === SCHEMA_VERSION) return;
    store.guard("upgrade the state file", () => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
  });
}

/**
 * Switches the journal mode unless it is already `mode`. SQLite answers a switch that needs the
 * file alone with SQLITE_BUSY at once, without the busy timeout: a twin process opening the same
 * fresh ledger is then waited for here, up to `timeoutMs`.
 */
function setJournalMode(store: Store, mode: "WAL" | "DELETE", timeoutMs: number): void {
  const deadline = store.clock.monotonic() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (true) {
    const current = String(store.db.prepare("PRAGMA journal_mode").get()?.journal_mode ?? "");
    if (current.toUpperCase() === mode) return;
    try {
      store.db.exec(`PRAGMA journal_mode = ${mode}`);
      return;
    } catch (error) {
      if (sqliteCode(error) !== SQLITE_BUSY || store.clock.monotonic() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.floor(store.random() * 20));
    }
  }
}

/** Creates a missing state file with mode 0600 (a twin may have just created it: that is fine). */
function createPrivateFile(path: string): void {
  try {
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
    Deno.chmodSync(path, 0o600);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new CheckpointError(`cannot create state file ${path}: permission denied`, {
        cause: error,
        exitCode: ExitCode.usage,
      });
    }
    throw openError(path, "create the state file", error);
  }
}

/** Narrows an existing byot state file to 0600 (it is known to be ours by now). */
function narrowMode(path: string): void {
  try {
    Deno.chmodSync(path, 0o600);
  } catch {
    // not the owner: the mode stays as the owner set it
  }
}

/** SQLite gives `-wal`/`-shm`/`-journal` the database file's mode; narrow them anyway in case it changed. */
function privatiseSidecars(path: string): void {
  for (const suffix of ["-wal", "-shm", "-journal"]) {
    try {
      Deno.chmodSync(path + suffix, 0o600);
    } catch {
      // absent or not ours: nothing to narrow
    }
  }
}

const SQLITE_BUSY = 5;
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** An error while opening: a state file that cannot be opened or written is a usage error (exit 2). */
function openError(path: string, what: string, cause: unknown): CheckpointError {
  const error = checkpointError(path, what, cause);
  const code = sqliteCode(cause);
  if (code === SQLITE_CANTOPEN || code === SQLITE_NOTADB || cause instanceof Deno.errors.PermissionDenied) {
    return new CheckpointError(error.message, { cause, exitCode: ExitCode.usage });
  }
  return error;
}

/** While opening, a read-only or unwritable ledger is the user's to fix (exit 2), not a transient stop. */
function usageIfEnvironment(path: string, error: unknown): unknown {
  if (!(error instanceof CheckpointError)) return error;
  const code = sqliteCode(error.cause);
  if (code === SQLITE_READONLY || code === SQLITE_CANTOPEN) {
    return new CheckpointError(
      `state file ${path} cannot be written (the file, its folder or its disk is read-only): byot load ` +
        `records progress in it; pass a writable --state (byot status and byot failures list|export only read)`,
      { cause: error.cause, exitCode: ExitCode.usage },
    );
  }
  if (code === SQLITE_NOTADB) {
    return new CheckpointError(error.message, { cause: error.cause, exitCode: ExitCode.usage });
  }
  return error;
}

function encodeUriPath(path: string): string {
  return resolve(path).replace(/%/g, "%25").replace(/\?/g, "%3f").replace(/#/g, "%23");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
