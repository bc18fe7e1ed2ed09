/**
 * The Go loader's CSV layout: for a vault column `c`, values in `<dataDir>/c_data.csv` and tokens in
 * `<dataDir>/c_tokens.csv`, paired by row position. The value column's header is `full_name` for
 * `name` and the column name otherwise; the token column's is `<value header>_token`.
 *
 * Unlike the Go loader, the files are streamed (memory stays flat), a BOM does not break the header,
 * skipped rows are reported, and files of different lengths are an error naming both counts.
 *
 * @module
 */
import { join } from "node:path";
import { SourceError } from "../../common/errors.ts";
import type { SourceCursor, SourceItem } from "../../common/types.ts";
import { type CsvReader, openCsv } from "./parser.ts";
import { checkCursor, type CsvVaultSource, headerIndexes, makeItem, requireFile, RowPump } from "./source.ts";

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
  let opened: Promise<[number, number]> | undefined;

  async function validate(): Promise<[number, number]> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(dataDir);
    } catch (error) {
      throw new SourceError(`data directory not found: ${dataDir}`, { cause: error });
    }
    if (!info.isDirectory) throw new SourceError(`not a directory: ${dataDir}`);
    await requireFile(files.data);
    await requireFile(files.tokens);
    const [valueIndex] = await headerIndexes(files.data, [headers.value]);
    const [tokenIndex] = await headerIndexes(files.tokens, [headers.token]);
    return [valueIndex, tokenIndex];
  }

  function open(): Promise<[number, number]> {
    opened ??= validate();
    opened.catch(() => opened = undefined);
    return opened;
  }

  async function* read(
    readOptions: { from?: SourceCursor; signal?: AbortSignal } = {},
  ): AsyncGenerator<SourceItem[]> {
    const [valueIndex, tokenIndex] = await open();
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
          const dataRows = position + (hasValue ? await values.countRest() : 0);
          const tokenRows = position + (hasToken ? await tokens.countRest() : 0);
          throw new SourceError(
            `${files.data} has ${dataRows} rows but ${files.tokens} has ${tokenRows}; ` +
              `the files must pair row by row`,
          );
        }
        const n = Math.min(values.available, tokens.available, chunkRows - out.length);
        for (let k = 0; k < n; k++) {
          const v = values.take();
          const t = tokens.take();
          out.push(
            makeItem(position++, v.fields[valueIndex] ?? "", t.fields[tokenIndex] ?? "", [
              v.offset,
              t.offset,
            ]),
          );
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

  return {
    label,
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
