/**
 * The Go loader's CSV layout: for a vault column `c`, values in `<dataDir>/c_data.csv` and tokens in
 * `<dataDir>/c_tokens.csv`, paired by row position. The value column's header is `full_name` for
 * `name` and the column name otherwise; the token column's is `<value header>_token`.
 *
 * Rows pair by line, as `paste` shows them: a blank line is a row with an empty field (skipped and
 * counted, never dropped), so one blank line cannot shift every later pair. Unlike the Go loader, the
 * files are streamed (memory stays flat), a BOM does not break the header, skipped rows are reported
 * with their lines, a blank row facing a non-empty one is noted (the files may be misaligned), a row
 * wider than its header is an error, and files of different lengths are an error naming both counts
 * (blank lines at the very end of the longer file are ignored).
 *
 * @module
 */
import { join } from "node:path";
import { SourceError } from "../../common/errors.ts";
import type { SourceCursor, SourceItem } from "../../common/types.ts";
import { type CsvReader, type CsvRow, openCsv } from "./parser.ts";
import { CsvNotes } from "./notes.ts";
import { estimateDataRows } from "./row_count.ts";
import {
  checkCursor,
  type CsvVaultSource,
  headerLayout,
  isBlankRow,
  makeItem,
  requireFile,
  RowPump,
  tooManyFields,
} from "./source.ts";

/**
 * Header names of a column's pair of files.
 *
 * @example
 * ```ts
 * pairedHeaders("name"); // { value: "full_name", token: "full_name_token" }
 * ```
 */
export function pairedHeaders(column: string): { value: string; token: string } {
  const value = column === "name" ? "full_name" : column;
  return { value, token: `${value}_token` };
}

/**
 * Paths of a column's pair of files.
 *
 * @example
 * ```ts
 * pairedFiles("data", "ssn"); // { data: "data/ssn_data.csv", tokens: "data/ssn_tokens.csv" }
 * ```
 */
export function pairedFiles(dataDir: string, column: string): { data: string; tokens: string } {
  return { data: join(dataDir, `${column}_data.csv`), tokens: join(dataDir, `${column}_tokens.csv`) };
}

interface Layout {
  valueIndex: number;
  tokenIndex: number;
  dataWidth: number;
  tokenWidth: number;
}

/** Options of {@linkcode pairedCsvSource}. */
export interface PairedCsvOptions {
  /** Directory holding the pair of files. */
  dataDir: string;
  /** Vault column, e.g. `name`; names the files and (through {@linkcode pairedHeaders}) the headers. */
  column: string;
  /** Most items per yielded array. @default 1000 */
  chunkRows?: number;
}

/**
 * A source reading `<column>_data.csv` and `<column>_tokens.csv` in lockstep. Items carry
 * `cursor.offsets = [data file offset, tokens file offset]`; `read({ from })` seeks both files there.
 * When one file ends before the other, the items paired so far are yielded, then a
 * {@linkcode SourceError} names both files and their data-row counts.
 *
 * @example
 * ```ts ignore
 * const source = pairedCsvSource({ dataDir: "data", column: "name" });
 * await source.open(); // fails fast on a missing file or header
 * for await (const items of source.read()) handle(items);
 * ```
 */
export function pairedCsvSource(options: PairedCsvOptions): CsvVaultSource {
  const { dataDir, column } = options;
  const chunkRows = Math.max(1, options.chunkRows ?? 1000);
  const files = pairedFiles(dataDir, column);
  const headers = pairedHeaders(column);
  const label = `${files.data} + ${files.tokens}`;
  const readers = new Set<CsvReader>();
  const notes = new CsvNotes(files.data);
  let opened: Promise<Layout> | undefined;

  async function validate(): Promise<Layout> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(dataDir);
    } catch (error) {
      throw new SourceError(`data directory not found: ${dataDir}`, { cause: error });
    }
    if (!info.isDirectory) throw new SourceError(`not a directory: ${dataDir}`);
    await requireFile(files.data);
    await requireFile(files.tokens);
    const data = await headerLayout(files.data, [headers.value]);
    const tokens = await headerLayout(files.tokens, [headers.token]);
    return {
      valueIndex: data.indexes[0],
      tokenIndex: tokens.indexes[0],
      dataWidth: data.width,
      tokenWidth: tokens.width,
    };
  }

  function open(): Promise<Layout> {
    opened ??= validate();
    opened.catch(() => opened = undefined);
    return opened;
  }

  async function* read(
    readOptions: { from?: SourceCursor; signal?: AbortSignal } = {},
  ): AsyncGenerator<SourceItem[]> {
    const { valueIndex, tokenIndex, dataWidth, tokenWidth } = await open();
    const from = checkCursor(readOptions.from, 2, label);
    const signal = readOptions.signal;
    const dataReader = await openCsv(files.data, { startOffset: from?.offsets[0] ?? 0, chunkRows });
    readers.add(dataReader);
    let tokenReader: CsvReader;
    try {
      tokenReader = await openCsv(files.tokens, { startOffset: from?.offsets[1] ?? 0, chunkRows });
    } catch (error) {
      dataReader.close();
      readers.delete(dataReader);
      throw error;
    }
    readers.add(tokenReader);
    const values = new RowPump(dataReader, from === undefined);
    const tokens = new RowPump(tokenReader, from === undefined);
    try {
      let position = from?.position ?? 0;
      let out: SourceItem[] = [];
      while (true) {
        signal?.throwIfAborted();
        const hasValue = await values.fill();
        const hasToken = await tokens.fill();
        if (!hasValue || !hasToken) {
          if (out.length > 0) yield out;
          if (hasValue === hasToken) return;
          const rest = await (hasValue ? values : tokens).countRest();
          if (rest.content === 0) return; // only blank lines left at the end of the longer file
          const dataRows = position + (hasValue ? rest.rows : 0);
          const tokenRows = position + (hasToken ? rest.rows : 0);
          throw new SourceError(
            `${files.data} has ${dataRows} rows but ${files.tokens} has ${tokenRows}; ` +
              `the files must pair row by row`,
          );
        }
        const n = Math.min(values.available, tokens.available, chunkRows - out.length);
        for (let k = 0; k < n; k++) {
          const v = values.take();
          const t = tokens.take();
          if (v.fields.length > dataWidth || t.fields.length > tokenWidth) {
            if (out.length > 0) yield out;
            const [file, row, width, pump] = v.fields.length > dataWidth
              ? [files.data, v, dataWidth, values]
              : [files.tokens, t, tokenWidth, tokens];
            throw tooManyFields(file, row, width, pump.linesKnown, position + 1);
          }
          const item = makeItem(position++, v.fields[valueIndex] ?? "", t.fields[tokenIndex] ?? "", [
            v.offset,
            t.offset,
          ]);
          if (item.skip !== undefined) noteSkip(v, t, position, values.linesKnown);
          out.push(item);
        }
        if (out.length >= chunkRows) {
          yield out;
          out = [];
        }
      }
    } finally {
      readers.delete(dataReader);
      readers.delete(tokenReader);
      await Promise.allSettled([values.close(), tokens.close()]);
    }
  }

  function noteSkip(v: CsvRow, t: CsvRow, row: number, linesKnown: boolean): void {
    notes.skipped(linesKnown ? v.line : undefined, row);
    const vBlank = isBlankRow(v), tBlank = isBlankRow(t);
    if (vBlank === tBlank) return;
    const [blankFile, otherFile, blank, other] = vBlank
      ? [files.data, files.tokens, v, t]
      : [files.tokens, files.data, t, v];
    if (other.fields.every((f) => f === "")) return;
    notes.mismatch({ blankFile, otherFile, row, ...(linesKnown ? { line: blank.line } : {}) });
  }

  return {
    label,
    notes,
    files: [files.data, files.tokens],
    async open() {
      await open();
    },
    read,
    close() {
      for (const reader of readers) reader.close();
      readers.clear();
      return Promise.resolve();
    },
  };
}

/**
 * Checks, before anything is sent, that a column's pair of files has as many data rows: a byte scan
 * counts line breaks in both; only when those differ (a quoted field may hold a line break) are the
 * rows counted exactly with the CSV parser. Returns the data-row count.
 *
 * @throws {SourceError} naming both files and their counts when they differ.
 * @example
 * ```ts
 * await checkPairedRowCounts("data", "name"); // 1000, or SourceError "data/name_data.csv has 1000 rows but …"
 * ```
 */
export async function checkPairedRowCounts(
  dataDir: string,
  column: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const files = pairedFiles(dataDir, column);
  const [dataLines, tokenLines] = await Promise.all([
    estimateDataRows(files.data, signal),
    estimateDataRows(files.tokens, signal),
  ]);
  if (dataLines === undefined || tokenLines === undefined) return undefined;
  if (dataLines === tokenLines) return dataLines;
  const [dataRows, tokenRows] = await Promise.all([exactRows(files.data), exactRows(files.tokens)]);
  if (dataRows === tokenRows) return dataRows;
  throw new SourceError(
    `${files.data} has ${dataRows} rows but ${files.tokens} has ${tokenRows}; the files must pair row by row ` +
      "(nothing was sent)",
  );
}

/**
 * Data rows of a CSV file, counted by the parser (quoted line breaks stay inside their field), up to
 * its last non-blank row: blank lines at the end pair with nothing and are ignored, as when reading.
 */
async function exactRows(path: string): Promise<number> {
  const pump = new RowPump(await openCsv(path), true);
  try {
    let rows = 0;
    let lastContent = 0;
    while (await pump.fill()) {
      while (pump.available > 0) {
        rows++;
        if (!isBlankRow(pump.take())) lastContent = rows;
      }
    }
    return lastContent;
  } finally {
    await pump.close();
  }
}
