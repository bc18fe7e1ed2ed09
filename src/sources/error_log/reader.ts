/**
 * The legacy Go loader's error-log JSON (`error_log_<VAULT>_<yyyymmdd_hhmmss>.json`): read back with
 * validation and served as a {@linkcode VaultSource} so `--source error-log` reprocesses it.
 *
 * @module
 */
import { SourceError } from "../../common/errors.ts";
import type { SourceCursor, SourceItem, VaultSource } from "../../common/types.ts";
import type { LegacyErrorEntry, LegacyRecord } from "./writer.ts";

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
