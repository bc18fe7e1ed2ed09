/**
 * A hand-written streaming RFC 4180 CSV reader that records the exact byte offset of every row, so a
 * later read can seek straight back to it. Text comes from {@linkcode Utf8ChunkReader} (fixed-size reads,
 * whole UTF-8 characters only, so byte offsets stay exact across chunk boundaries); rows are yielded
 * in arrays, one `await` per array. Scanning jumps with `indexOf`; rows without quotes take a split.
 *
 * Dialect: comma separator, `"` quoting with `""` as an escaped quote, LF or CRLF line ends (a CR
 * right before the LF is dropped; quoted fields keep their bytes as is). A UTF-8 BOM at byte 0 is
 * skipped. An empty line is a row of one empty field: rows are lines, as `paste` and `wc -l` see them, so
 * two files paired by row stay aligned. Fields are never trimmed.
 * A `"` inside an unquoted field, anything but `,` or a line end after a closing quote, a quote never
 * closed, and invalid UTF-8 (named by line and byte offset) are errors ({@linkcode SourceError}).
 *
 * @module
 */
import { SourceError } from "../../common/errors.ts";
import { Utf8ChunkReader } from "./utf8_chunks.ts";

/** One CSV row. */
export interface CsvRow {
  /** The row's fields, unquoted and unescaped. */
  fields: string[];
  /** Byte offset in the file of the row's first byte (pass it as `startOffset` to re-read from here). */
  offset: number;
  /** Physical line (1-based) the row starts on, counted from `startLine`. */
  line: number;
}

/** Options of {@linkcode openCsv}. */
export interface OpenCsvOptions {
  /** Byte offset to start at; must be the start of a row (a {@linkcode CsvRow.offset}). @default 0 */
  startOffset?: number;
  /**
   * Line number of the row at `startOffset`, for `CsvRow.line` and error messages. When reading from
   * a non-zero offset without it, errors name the row's byte offset instead of a line.
   * @default 1
   */
  startLine?: number;
  /** Most rows per yielded array. @default 1000 */
  chunkRows?: number;
  /** Bytes per file read (tests use tiny values to split characters across reads). @default 65536 */
  readSize?: number;
}

const QUOTE = 34, COMMA = 44, LF = 10, CR = 13;

/**
 * An open CSV file being read. Iterate it once with `for await`; the file is closed when the
 * iteration ends, fails or is abandoned, or by {@linkcode CsvReader.close}.
 *
 * @example Read every row with its offset
 * ```ts ignore
 * const reader = await openCsv("data/name_data.csv");
 * for await (const rows of reader) for (const row of rows) use(row.fields, row.offset);
 * ```
 */
export class CsvReader implements AsyncIterable<CsvRow[]> {
  /** The file's path, as given. */
  readonly path: string;
  #chunks: Utf8ChunkReader;
  #chunkRows: number;
  #lineKnown: boolean;
  // scanner state: `s` is unparsed text starting at a row boundary (byte offset sByte)
  #s = "";
  #sByte: number;
  #sBytes = 0; // UTF-8 length of #s
  #pos = 0;
  #nl = -1; // cached index of the next LF at or after #pos (s.length when none)
  #q = -1; // cached index of the next quote at or after #pos (s.length when none)
  #c = -1; // cached index of the next comma at or after #pos (s.length when none)
  #cIdx = 0; // utf-8 counting cursor: char index and its byte offset
  #cByte = 0;
  #line: number;
  #out: CsvRow[] = [];
  #pending = 0; // length of a partial row waiting for more text

  private constructor(chunks: Utf8ChunkReader, options: OpenCsvOptions) {
    this.path = chunks.path;
    this.#chunks = chunks;
    this.#chunkRows = Math.max(1, options.chunkRows ?? 1000);
    const start = options.startOffset ?? 0;
    this.#lineKnown = start === 0 || options.startLine !== undefined;
    this.#line = options.startLine ?? 1;
    this.#sByte = start;
  }

  /** Opens `path` positioned at `options.startOffset`. Throws {@linkcode SourceError} when unreadable. */
  static async open(path: string, options: OpenCsvOptions = {}): Promise<CsvReader> {
    const chunks = await Utf8ChunkReader.open(path, options);
    return new CsvReader(chunks, options);
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    this.#chunks.close();
  }

  /** True when {@linkcode CsvRow.line} is the file's real line number (false when read from an offset without `startLine`). */
  get linesKnown(): boolean {
    return this.#lineKnown;
  }

  /** Yields the rows in arrays of at most `chunkRows`; iterate once. Closes the file when done. */
  async *[Symbol.asyncIterator](): AsyncIterator<CsvRow[]> {
    try {
      while (true) {
        const read = await this.#chunks.read();
        const final = read === null;
        if (read !== null) {
          this.#sByte += read.skipped;
          if (read.text === "") continue;
          this.#s = this.#s.slice(this.#pos) + read.text;
          this.#sBytes += read.bytes;
          this.#pos = 0;
          this.#nl = this.#q = this.#c = -1;
          this.#cIdx = 0;
          this.#cByte = this.#sByte;
          // a partial row is only re-scanned once the text has doubled: linear time for huge rows
          if (this.#pending > 0 && this.#s.length < this.#pending * 2) continue;
        }
        while (true) {
          const complete = this.#scan(final);
          if (this.#out.length >= this.#chunkRows || (complete && this.#out.length > 0)) {
            const rows = this.#out;
            this.#out = [];
            yield rows;
          }
          if (complete) break;
        }
        if (final) return;
        // keep the unparsed tail: its byte offset and length
        const tailByte = this.#byteAt(this.#pos);
        this.#sBytes -= tailByte - this.#sByte;
        this.#sByte = tailByte;
        this.#pending = this.#s.length - this.#pos;
      }
    } finally {
      this.close();
    }
  }

  /** Parses rows from #pos; true when everything parseable now was parsed (false: chunk is full). */
  #scan(final: boolean): boolean {
    const s = this.#s;
    const n = s.length;
    const out = this.#out;
    const limit = this.#chunkRows;
    let pos = this.#pos;
    while (pos < n && out.length < limit) {
      if (this.#nl < pos) this.#nl = indexOr(s, "\n", pos, n);
      if (this.#q < pos) this.#q = indexOr(s, '"', pos, n);
      const nl = this.#nl;
      if (nl === n && !final) break;
      if (this.#q >= nl) {
        let end = nl;
        if (end > pos && s.charCodeAt(end - 1) === CR) end--;
        // a row without a comma (one column) is its own field: no split
        if (this.#c < pos) this.#c = indexOr(s, ",", pos, n);
        out.push({
          fields: end === pos ? [""] : this.#c >= end ? [s.slice(pos, end)] : s.slice(pos, end).split(","),
          offset: this.#byteAt(pos),
          line: this.#line,
        });
        this.#line++;
        pos = nl + 1;
      } else {
        const next = this.#quotedRow(pos, final);
        if (next < 0) break;
        pos = next;
      }
    }
    this.#pos = Math.min(pos, n);
    return pos >= n || out.length < limit;
  }

  /** Parses one row that contains a quote; returns the index after it, or -1 when it is incomplete. */
  #quotedRow(start: number, final: boolean): number {
    const s = this.#s;
    const n = s.length;
    const fields: string[] = [];
    let lines = 0;
    let i = start;
    while (true) {
      if (i < n && s.charCodeAt(i) === QUOTE) {
        let value = "";
        i++;
        while (true) {
          const j = s.indexOf('"', i);
          if (j < 0) {
            if (final) throw this.#syntaxError(start, 0, "quoted field is never closed");
            return -1;
          }
          lines += this.#countLf(i, j);
          value += s.slice(i, j);
          if (j + 1 === n && !final) return -1;
          if (s.charCodeAt(j + 1) === QUOTE) {
            value += '"';
            i = j + 2;
            continue;
          }
          i = j + 1;
          break;
        }
        fields.push(value);
        if (i === n) break;
        const c = s.charCodeAt(i);
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === LF) {
          i++;
          break;
        }
        if (c === CR && i + 1 < n && s.charCodeAt(i + 1) === LF) {
          i += 2;
          break;
        }
        if (c === CR && i + 1 === n) {
          if (!final) return -1;
          i++;
          break;
        }
        throw this.#syntaxError(start, lines, "unexpected character after a closing quote");
      }
      let j = i;
      let c = 0;
      while (j < n) {
        c = s.charCodeAt(j);
        if (c === COMMA || c === LF || c === QUOTE) break;
        j++;
      }
      if (j === n) {
        if (!final) return -1;
        fields.push(s.slice(i, j > i && s.charCodeAt(j - 1) === CR ? j - 1 : j));
        i = n;
        break;
      }
      if (c === QUOTE) throw this.#syntaxError(start, lines, 'a " inside an unquoted field');
      if (c === COMMA) {
        fields.push(s.slice(i, j));
        i = j + 1;
        continue;
      }
      fields.push(s.slice(i, j > i && s.charCodeAt(j - 1) === CR ? j - 1 : j));
      i = j + 1;
      break;
    }
    this.#countLf(start, i); // move the LF cache past the row
    this.#out.push({ fields, offset: this.#byteAt(start), line: this.#line });
    this.#line += lines + (i > 0 && s.charCodeAt(i - 1) === LF ? 1 : 0);
    return i;
  }

  /** Counts LFs in [from, to) using the forward-only LF cache. */
  #countLf(from: number, to: number): number {
    const s = this.#s;
    let count = 0;
    if (this.#nl < from) this.#nl = indexOr(s, "\n", from, s.length);
    while (this.#nl < to) {
      count++;
      this.#nl = indexOr(s, "\n", this.#nl + 1, s.length);
    }
    return count;
  }

  /** Byte offset in the file of char index `idx` of #s (idx never decreases between calls). */
  #byteAt(idx: number): number {
    if (this.#sBytes === this.#s.length) return this.#sByte + idx;
    const s = this.#s;
    let b = this.#cByte;
    for (let k = this.#cIdx; k < idx; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x80) b += 1;
      else if (c < 0x800) b += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        b += 4;
        k++;
      } else b += 3;
    }
    this.#cIdx = idx;
    this.#cByte = b;
    return b;
  }

  #syntaxError(rowStart: number, extraLines: number, what: string): SourceError {
    const where = this.#lineKnown
      ? `line ${this.#line + extraLines}`
      : `row at byte ${this.#byteAt(rowStart)}`;
    return new SourceError(`${this.path}: ${where}: malformed CSV: ${what}`);
  }
}

/**
 * Opens a CSV file for streaming reads from `options.startOffset`.
 *
 * @example Resume at a recorded row
 * ```ts ignore
 * const reader = await openCsv("data.csv", { startOffset: row.offset, chunkRows: 500 });
 * ```
 */
export function openCsv(path: string, options: OpenCsvOptions = {}): Promise<CsvReader> {
  return CsvReader.open(path, options);
}

/** Reads just the first row of a CSV file (its header); undefined when the file has no rows. */
export async function readCsvHeader(path: string): Promise<string[] | undefined> {
  const reader = await openCsv(path, { chunkRows: 1, readSize: 16384 });
  try {
    for await (const rows of reader) return rows[0].fields;
    return undefined;
  } finally {
    reader.close();
  }
}

function indexOr(s: string, needle: string, from: number, none: number): number {
  const i = s.indexOf(needle, from);
  return i < 0 ? none : i;
}
