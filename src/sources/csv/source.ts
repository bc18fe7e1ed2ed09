/**
 * What the CSV vault sources share: the {@linkcode CsvVaultSource} shape (a {@linkcode VaultSource}
 * with an up-front `open()` check), header lookup, cursor checks, building {@linkcode SourceItem}s,
 * and file fingerprints for resume.
 *
 * Rules common to both layouts:
 * - Values and tokens are taken as they are: nothing is trimmed; only an empty string is empty
 *   (skip reason `empty_value`, or `empty_token` when only the token is empty).
 * - Every line is a row (a blank line is a row with one empty field), so rows match `wc -l` and
 *   paired files stay aligned as `paste` shows them.
 * - A row with too few fields to reach a needed column counts as having an empty field there, so
 *   it is skipped with that reason (counted, never silently dropped).
 * - A row with more fields than the header (an unquoted comma, as in `SMITH, JOHN`) is an error
 *   naming the file and line, raised before anything of that row is sent: nothing is truncated.
 * - Header names match exactly (case-sensitive, after removing a UTF-8 BOM); the first match wins;
 *   other columns are ignored.
 *
 * @module
 */
import { SourceError } from "../../common/errors.ts";
import type { SourceCursor, SourceItem, VaultSource } from "../../common/types.ts";
import type { CsvReader, CsvRow } from "./parser.ts";
import { readCsvHeader } from "./parser.ts";
import type { CsvNotes } from "./notes.ts";

/** A CSV-backed {@linkcode VaultSource}. */
export interface CsvVaultSource extends VaultSource {
  /** The files read, in cursor-offset order. */
  readonly files: readonly string[];
  /**
   * Checks that the files exist and their headers have the needed columns, so a bad header fails
   * before anything is sent. `read()` calls it too; calling it again is free.
   */
  open(): Promise<void>;
  /** Releases open files. Safe to call twice. */
  close(): Promise<void>;
  /** Where rows were skipped and blank rows that may mean misaligned files, for the summary. */
  readonly notes: CsvNotes;
}

/** Identity of a file, to refuse resuming a run on a file that changed. */
export interface FileFingerprint {
  /** The path as given. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in ms since the epoch (0 when the platform does not report it). */
  mtimeMs: number;
  /** Hex SHA-256 of the first 64 KiB. */
  headSha256: string;
}

const HEAD_BYTES = 64 * 1024;

/**
 * Fingerprints a file: size, mtime and a SHA-256 of its first 64 KiB (WebCrypto).
 *
 * @example
 * ```ts ignore
 * const fp = await fingerprintFile("data/name_data.csv");
 * if (fp.headSha256 !== saved.headSha256) throw new SourceError("file changed");
 * ```
 */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    const what = error instanceof Deno.errors.NotFound ? "file not found" : "cannot read file";
    throw new SourceError(`${what}: ${path}`, { cause: error });
  }
  try {
    const info = await file.stat();
    const head = new Uint8Array(Math.min(HEAD_BYTES, info.size));
    let filled = 0;
    while (filled < head.length) {
      const n = await file.read(head.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const digest = await crypto.subtle.digest("SHA-256", head.subarray(0, filled));
    const headSha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    return { path, size: info.size, mtimeMs: info.mtime?.getTime() ?? 0, headSha256 };
  } catch (error) {
    throw new SourceError(`cannot read file: ${path}`, { cause: error });
  } finally {
    file.close();
  }
}

/**
 * Reads a file's header and returns the index of each wanted column, or throws
 * `"<file>: header has no column \"x\" (found: a, b)"`.
 */
export async function headerIndexes(path: string, columns: readonly string[]): Promise<number[]> {
  return (await headerLayout(path, columns)).indexes;
}

/** Like {@linkcode headerIndexes}, plus the header's field count (`width`): no row may have more. */
export async function headerLayout(
  path: string,
  columns: readonly string[],
): Promise<{ indexes: number[]; width: number }> {
  const header = await readCsvHeader(path);
  if (header === undefined) throw new SourceError(`${path}: file is empty (no header row)`);
  return { indexes: findColumns(path, header, columns), width: header.length };
}

/**
 * The error for a row with more fields than its header: names the file and line (or the data row
 * when read from a resume offset) and the likely cause.
 */
export function tooManyFields(
  path: string,
  row: CsvRow,
  width: number,
  linesKnown: boolean,
  dataRow: number,
): SourceError {
  const where = linesKnown ? `line ${row.line}` : `data row ${dataRow}`;
  return new SourceError(
    `${path}: ${where} has ${row.fields.length} fields but the header has ${width}; ` +
      `a value containing a comma must be quoted ("SMITH, JOHN"). Nothing of this row was sent`,
  );
}

/** True for a row read from an empty line. */
export function isBlankRow(row: CsvRow): boolean {
  return row.fields.length === 1 && row.fields[0] === "";
}

function findColumns(path: string, header: string[], columns: readonly string[]): number[] {
  return columns.map((column) => {
    const index = header.indexOf(column);
    if (index >= 0) return index;
    const shown = header.length > 20 ? [...header.slice(0, 20), "…"] : header;
    throw new SourceError(`${path}: header has no column "${column}" (found: ${shown.join(", ")})`);
  });
}

/** Checks that `path` is a readable regular file, with a one-line error naming it otherwise. */
export async function requireFile(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    const what = error instanceof Deno.errors.NotFound ? "file not found" : "cannot read file";
    throw new SourceError(`${what}: ${path}`, { cause: error });
  }
  if (!info.isFile) throw new SourceError(`not a regular file: ${path}`);
}

/** Validates a cursor for a source with `files` files; undefined when reading from the start. */
export function checkCursor(
  from: SourceCursor | undefined,
  files: number,
  label: string,
): { position: number; offsets: number[] } | undefined {
  if (from === undefined) return undefined;
  const offsets = from.offsets;
  const ok = Number.isSafeInteger(from.position) && from.position >= 0 && Array.isArray(offsets) &&
    offsets.length === files && offsets.every((o) => Number.isSafeInteger(o) && o >= 0);
  if (!ok) throw new SourceError(`${label}: the resume cursor does not belong to this CSV source`);
  return { position: from.position, offsets: offsets as number[] };
}

/** Builds a {@linkcode SourceItem}, setting `skip` for an empty value or token. */
export function makeItem(position: number, value: string, token: string, offsets: number[]): SourceItem {
  const item: SourceItem = { position, value, token, cursor: { position, offsets } };
  if (value === "") item.skip = "empty_value";
  else if (token === "") item.skip = "empty_token";
  return item;
}

/** Pulls rows from a {@linkcode CsvReader} one at a time without an `await` per row. */
export class RowPump {
  #reader: CsvReader;
  #it: AsyncIterator<CsvRow[]>;
  #rows: CsvRow[] = [];
  #i = 0;
  #done = false;
  #skipFirst: boolean;

  /** True when rows carry their real line numbers (read from the start of the file). */
  get linesKnown(): boolean {
    return this.#reader.linesKnown;
  }

  /**
   * Wraps a reader that has not been iterated yet.
   * @param skipFirst drop the first row read (the header, when reading from the start).
   */
  constructor(reader: CsvReader, skipFirst: boolean) {
    this.#reader = reader;
    this.#it = reader[Symbol.asyncIterator]();
    this.#skipFirst = skipFirst;
  }

  /** Rows buffered and ready to take. */
  get available(): number {
    return this.#rows.length - this.#i;
  }

  /** Ensures at least one row is buffered; false at end of file. */
  async fill(): Promise<boolean> {
    while (this.#i >= this.#rows.length) {
      if (this.#done) return false;
      const next = await this.#it.next();
      if (next.done) {
        this.#done = true;
        this.#rows = [];
        this.#i = 0;
        return false;
      }
      this.#rows = next.value;
      this.#i = this.#skipFirst ? 1 : 0;
      this.#skipFirst = false;
    }
    return true;
  }

  /** Takes the next buffered row (call {@linkcode RowPump.fill} first). */
  take(): CsvRow {
    return this.#rows[this.#i++];
  }

  /** Counts and discards every remaining row; `content` counts those that are not blank lines. */
  async countRest(): Promise<{ rows: number; content: number }> {
    let rows = 0, content = 0;
    while (await this.fill()) {
      rows += this.available;
      for (let k = this.#i; k < this.#rows.length; k++) if (!isBlankRow(this.#rows[k])) content++;
      this.#i = this.#rows.length;
    }
    return { rows, content };
  }

  /** Stops reading and closes the file. */
  async close(): Promise<void> {
    this.#done = true;
    try {
      await this.#it.return?.();
    } finally {
      this.#reader.close();
    }
  }
}
