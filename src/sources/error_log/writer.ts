/**
 * Writes the legacy Go loader's error-log JSON (`error_log_<VAULT>_<yyyymmdd_hhmmss>.json`) byte
 * for byte as Go's `json.Encoder` with a 2-space indent wrote it: HTML-safe escapes, `status_code`
 * omitted when 0, RFC3339Nano timestamps with the local offset, trailing newline; mode 0600.
 *
 * @module
 */
import { writePrivateFile } from "../../common/private_file.ts";

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
