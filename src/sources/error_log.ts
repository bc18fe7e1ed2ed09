/**
 * The legacy Go loader's error-log JSON (`error_log_<VAULT>_<yyyymmdd_hhmmss>.json`): written byte
 * for byte as Go's `json.Encoder` with a 2-space indent wrote it (HTML-safe escapes, `status_code`
 * omitted when 0, RFC3339Nano timestamps with the local offset, trailing newline), read back with
 * validation, and served as a {@linkcode VaultSource} so `--source error-log` reprocesses it. Also
 * the `value,token,status,message,request_id` CSV export. Files are created with mode 0600.
 *
 * @module
 */
import { SourceError } from "../common/errors.ts";
import type { SourceCursor, SourceItem, VaultSource } from "../common/types.ts";
import { writePrivateFile } from "../ledger/private_file.ts";

export { type FailureCsvRow, writeFailuresCsv, type WriteFailuresCsvOptions } from "../ledger/export_csv.ts";

/** A (value, token) pair as the log stores it (`Value`/`Token` in the file). */
export interface LegacyRecord {
  /** The value (PII). */
  value: string;
  /** The token (PII). */
  token: string;
}

/** One `errors[]` entry: records of one batch that failed with one status and message. */
export interface LegacyErrorEntry {
  /** Batch number (`seq`). */
  batchNumber: number;
  /** The records, in position order. */
  records: LegacyRecord[];
  /** Error message. */
  error: string;
  /** 0 (a network failure) is omitted from the file, as Go's `omitempty` does. */
  statusCode: number;
  /** ms since the epoch. */
  timestamp: number;
}

/** UTC offset in minutes east of UTC, fixed or as a function of the instant. */
export type UtcOffset = number | ((ms: number) => number);

/** The local zone's offset at `ms`, as Go's `time.Local` would use. */
export const localOffset = (ms: number): number => -new Date(ms).getTimezoneOffset();

/** Options of {@linkcode writeLegacyErrorLog}. */
export interface WriteLegacyErrorLogOptions {
  /** `vault_name`. */
  vaultName: string;
  /** `vault_id`. */
  vaultId: string;
  /** `column`. */
  column: string;
  /** The entries, or a function returning them afresh (called twice: count, then write). */
  entries: readonly LegacyErrorEntry[] | (() => Iterable<LegacyErrorEntry>);
  /** Directory of the file. @default "." */
  dir?: string;
  /** The log's `timestamp` and file-name time, ms since the epoch. @default Date.now() */
  now?: number;
  /** Offset for every timestamp and the file name. @default localOffset */
  utcOffset?: UtcOffset;
}

/** What {@linkcode writeLegacyErrorLog} wrote. */
export interface WrittenErrorLog {
  /** File path. */
  path: string;
  /** `total_errors`. */
  totalErrors: number;
  /** `failed_records`. */
  failedRecords: number;
}

/** Writes one vault's error log in the legacy shape; returns its path and counts. */
export function writeLegacyErrorLog(o: WriteLegacyErrorLogOptions): WrittenErrorLog {
  const now = o.now ?? Date.now();
  const offsetAt = offsetFunction(o.utcOffset);
  const entries = typeof o.entries === "function"
    ? o.entries
    : () => o.entries as readonly LegacyErrorEntry[];
  let totalErrors = 0;
  let failedRecords = 0;
  for (const e of entries()) {
    totalErrors++;
    failedRecords += e.records.length;
  }
  const path = joinPath(o.dir ?? ".", legacyErrorLogName(o.vaultName, now, offsetAt(now)));
  writePrivateFile(path, (write) => {
    write(
      `{\n  "vault_name": ${goJsonString(o.vaultName)},\n  "vault_id": ${goJsonString(o.vaultId)},\n` +
        `  "column": ${goJsonString(o.column)},\n  "timestamp": "${formatGoTime(now, offsetAt(now))}",\n` +
        `  "total_errors": ${totalErrors},\n  "failed_records": ${failedRecords},\n  "errors": [`,
    );
    let first = true;
    for (const e of entries()) {
      const entry: Record<string, unknown> = {
        batch_number: e.batchNumber,
        records: e.records.map((r) => ({ Value: r.value, Token: r.token })),
        error: e.error,
      };
      if (e.statusCode !== 0) entry.status_code = e.statusCode;
      entry.timestamp = formatGoTime(e.timestamp, offsetAt(e.timestamp));
      const json = htmlEscape(JSON.stringify(entry, null, 2)).replace(/\n/g, "\n    ");
      write(`${first ? "" : ","}\n    ${json}`);
      first = false;
    }
    write(first ? "]\n}\n" : "\n  ]\n}\n");
  });
  return { path, totalErrors, failedRecords };
}

/** `error_log_<vault>_<yyyymmdd_hhmmss>.json` for `now` at the given offset. */
export function legacyErrorLogName(vaultName: string, now: number, offsetMinutes: number): string {
  return `error_log_${safeName(vaultName)}_${fileStamp(now, offsetMinutes)}.json`;
}

/** `failures_<vault>_<yyyymmdd_hhmmss>.csv`, the CSV export's name. */
export function failuresCsvName(vaultName: string, now: number, offsetMinutes: number): string {
  return `failures_${safeName(vaultName)}_${fileStamp(now, offsetMinutes)}.csv`;
}

/**
 * Go's `time.RFC3339Nano` rendering: fraction without trailing zeros (omitted when 0), `Z` for a
 * zero offset, else `±hh:mm`.
 *
 * @example
 * ```ts
 * formatGoTime(Date.UTC(2025, 9, 9, 22, 30, 12, 500), -420); // "2025-10-09T15:30:12.5-07:00"
 * ```
 */
export function formatGoTime(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  let out = `${p(local.getUTCFullYear(), 4)}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}T` +
    `${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
  const fraction = p(local.getUTCMilliseconds(), 3).replace(/0+$/, "");
  if (fraction) out += "." + fraction;
  if (offsetMinutes === 0) return out + "Z";
  const abs = Math.abs(offsetMinutes);
  return `${out}${offsetMinutes < 0 ? "-" : "+"}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
}

/** A JSON string literal as Go's encoder writes it (`<`, `>`, `&`, U+2028/9 as `\u` escapes). */
export function goJsonString(s: string): string {
  return htmlEscape(JSON.stringify(s));
}

function htmlEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** A record of a parsed log with its place in the file. */
export interface LegacyLogRecord extends LegacyRecord {
  /** Index among all records, in file order: the source position. */
  position: number;
  /** Batch number (`seq`). */
  batchNumber: number;
  /** HTTP status of the last failure (0 = network). */
  statusCode: number;
  /** Error message. */
  error: string;
  /** The entry's timestamp (ms), when it had one. */
  timestamp?: number;
}

/** A validated legacy error log. */
export interface LegacyErrorLog {
  /** File path. */
  path: string;
  /** SHA-256 of the file's bytes, hex: the source fingerprint. */
  sha256: string;
  /** `vault_name`. */
  vaultName: string;
  /** `vault_id`. */
  vaultId: string;
  /** `column`. */
  column: string;
  /** When it happened (ms since the epoch). */
  timestamp?: number;
  /** `total_errors` / `failed_records` as the file states them. */
  totalErrors: number;
  /** `failed_records`. */
  failedRecords: number;
  /** The `errors[]` entries, in file order. */
  entries: LegacyErrorEntry[];
  /** Every record, in file order. */
  records: LegacyLogRecord[];
}

/** Reads and validates a legacy error log. @throws {SourceError} on unreadable JSON or shape. */
export async function readLegacyErrorLog(path: string): Promise<LegacyErrorLog> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (cause) {
    const why = cause instanceof Deno.errors.NotFound ? "no such file" : (cause as Error).message;
    throw new SourceError(`cannot read error log ${path}: ${why}`, { cause });
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return parseLegacyErrorLog(new TextDecoder().decode(bytes), path, sha256);
}

/** Validates the text of a legacy error log. Messages name fields, never values. */
export function parseLegacyErrorLog(text: string, path: string, sha256 = ""): LegacyErrorLog {
  const fail = (what: string): never => {
    throw new SourceError(`error log ${path}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (cause) {
    const at = /position (\d+)/.exec(String((cause as Error).message))?.[1];
    const where = at === undefined ? "" : ` at line ${lineOf(text, Number(at))}`;
    throw new SourceError(`error log ${path}: not valid JSON${where}`, { cause: undefined });
  }
  if (!isObject(doc)) return fail("expected a JSON object at the top level");
  const str = (o: Record<string, unknown>, key: string, where: string, required = false): string => {
    const v = field(o, key);
    if (v === undefined || v === null) return required ? fail(`${where}${key} is missing`) : "";
    return typeof v === "string" ? v : fail(`${where}${key} must be a string`);
  };
  const num = (o: Record<string, unknown>, key: string, where: string): number => {
    const v = field(o, key);
    if (v === undefined || v === null) return 0;
    return Number.isInteger(v) ? v as number : fail(`${where}${key} must be an integer`);
  };
  const time = (o: Record<string, unknown>, where: string): number | undefined => {
    const v = str(o, "timestamp", where);
    if (v === "") return undefined;
    return parseRfc3339(v) ?? fail(`${where}timestamp is not an RFC 3339 time`);
  };
  const errorsValue = field(doc, "errors") ?? [];
  if (!Array.isArray(errorsValue)) fail("errors must be an array");
  const entries: LegacyErrorEntry[] = [];
  const records: LegacyLogRecord[] = [];
  (errorsValue as unknown[]).forEach((e, i) => {
    const where = `errors[${i}].`;
    if (!isObject(e)) return fail(`errors[${i}] must be an object`);
    const list = field(e, "records") ?? [];
    if (!Array.isArray(list)) return fail(`${where}records must be an array`);
    const timestamp = time(e, where);
    const entry: LegacyErrorEntry = {
      batchNumber: num(e, "batch_number", where),
      error: str(e, "error", where),
      statusCode: num(e, "status_code", where),
      timestamp: timestamp ?? 0,
      records: list.map((r, j) => {
        const at = `${where}records[${j}].`;
        if (!isObject(r)) return fail(`${where}records[${j}] must be an object`);
        return { value: str(r, "Value", at), token: str(r, "Token", at) };
      }),
    };
    entries.push(entry);
    for (const r of entry.records) {
      const { batchNumber, statusCode, error } = entry;
      const rec: LegacyLogRecord = { ...r, position: records.length, batchNumber, statusCode, error };
      if (timestamp !== undefined) rec.timestamp = timestamp;
      records.push(rec);
    }
  });
  const vaultName = str(doc, "vault_name", "", true);
  if (vaultName === "") fail("vault_name is empty");
  const log: LegacyErrorLog = {
    path,
    sha256,
    vaultName,
    vaultId: str(doc, "vault_id", ""),
    column: str(doc, "column", ""),
    totalErrors: field(doc, "total_errors") === undefined ? entries.length : num(doc, "total_errors", ""),
    failedRecords: field(doc, "failed_records") === undefined
      ? records.length
      : num(doc, "failed_records", ""),
    entries,
    records,
  };
  const stamp = time(doc, "");
  if (stamp !== undefined) log.timestamp = stamp;
  return log;
}

/** The fingerprint of an error-log source: a change of the file refuses a resume. */
export function errorLogFingerprint(
  log: LegacyErrorLog,
): { kind: "error-log"; path: string; sha256: string; records: number } {
  return { kind: "error-log", path: log.path, sha256: log.sha256, records: log.records.length };
}

/** Options of {@linkcode errorLogSource}. */
export interface ErrorLogSourceOptions {
  /** Rows per yielded chunk. @default 1000 */
  chunkSize?: number;
}

/**
 * The log's records as a source, in file order (positions 0…n-1, cursor `{ position }`). Empty
 * values or tokens are yielded as skipped rows.
 */
export function errorLogSource(log: LegacyErrorLog, options: ErrorLogSourceOptions = {}): VaultSource {
  const chunkSize = Math.max(1, options.chunkSize ?? 1000);
  return {
    label: log.path,
    async *read(opts: { from?: SourceCursor; signal?: AbortSignal } = {}): AsyncIterable<SourceItem[]> {
      for (
        let start = Math.max(0, opts.from?.position ?? 0);
        start < log.records.length;
        start += chunkSize
      ) {
        opts.signal?.throwIfAborted();
        yield log.records.slice(start, start + chunkSize).map((r): SourceItem => {
          const item: SourceItem = {
            position: r.position,
            value: r.value,
            token: r.token,
            cursor: { position: r.position },
          };
          if (r.value === "") item.skip = "empty_value";
          else if (r.token === "") item.skip = "empty_token";
          return item;
        });
        await Promise.resolve();
      }
    },
  };
}

function offsetFunction(offset: UtcOffset | undefined): (ms: number) => number {
  if (offset === undefined) return localOffset;
  return typeof offset === "number" ? () => offset : offset;
}

function fileStamp(now: number, offsetMinutes: number): string {
  const t = formatGoTime(Math.floor(now / 1000) * 1000, offsetMinutes);
  return t.slice(0, 19).replace(/-|:/g, "").replace("T", "_");
}

function safeName(name: string): string {
  return name.replace(/[/\\\0]/g, "_");
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function parseRfc3339(s: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$/.exec(
    s,
  );
  if (!m) return undefined;
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
  const offset = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (+m[10] * 60 + +m[11]);
  return Number.isNaN(utc) ? undefined : utc - offset * 60_000;
}

function field(o: Record<string, unknown>, key: string): unknown {
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  const match = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : o[match];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
