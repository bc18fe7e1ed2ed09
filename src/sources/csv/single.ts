/**
 * A single CSV file holding both the value and the token of each row, in columns named by the
 * caller (`value` and `token` by default).
 *
 * @module
 */
import type { SourceCursor, SourceItem } from "../../common/types.ts";
import { type CsvReader, openCsv } from "./parser.ts";
import { checkCursor, type CsvVaultSource, headerIndexes, makeItem, requireFile, RowPump } from "./source.ts";

/** Options of {@linkcode singleCsvSource}. */
export interface SingleCsvOptions {
  /** The CSV file. */
  file: string;
  /** Header of the value column. @default "value" */
  valueColumn?: string;
  /** Header of the token column. @default "token" */
  tokenColumn?: string;
  /** Most items per yielded array. @default 1000 */
  chunkRows?: number;
}

/**
 * A source reading value and token from one file. Items carry `cursor.offsets = [row offset]`;
 * `read({ from })` seeks there.
 *
 * @example
 * ```ts ignore
 * const source = singleCsvSource({ file: "pairs.csv", valueColumn: "email", tokenColumn: "email_tok" });
 * await source.open();
 * for await (const items of source.read()) handle(items);
 * ```
 */
export function singleCsvSource(options: SingleCsvOptions): CsvVaultSource {
  const { file } = options;
  const valueColumn = options.valueColumn ?? "value";
  const tokenColumn = options.tokenColumn ?? "token";
  const chunkRows = Math.max(1, options.chunkRows ?? 1000);
  const readers = new Set<CsvReader>();
  let opened: Promise<number[]> | undefined;

  function open(): Promise<number[]> {
    opened ??= requireFile(file).then(() => headerIndexes(file, [valueColumn, tokenColumn]));
    opened.catch(() => opened = undefined);
    return opened;
  }

  async function* read(
    readOptions: { from?: SourceCursor; signal?: AbortSignal } = {},
  ): AsyncGenerator<SourceItem[]> {
    const [valueIndex, tokenIndex] = await open();
    const from = checkCursor(readOptions.from, 1, file);
    const reader = await openCsv(file, { startOffset: from?.offsets[0] ?? 0, chunkRows });
    readers.add(reader);
    const rows = new RowPump(reader, from === undefined);
    try {
      let position = from?.position ?? 0;
      while (true) {
        readOptions.signal?.throwIfAborted();
        if (!await rows.fill()) return;
        const n = rows.available;
        const out: SourceItem[] = new Array(n);
        for (let k = 0; k < n; k++) {
          const row = rows.take();
          out[k] = makeItem(position++, row.fields[valueIndex] ?? "", row.fields[tokenIndex] ?? "", [
            row.offset,
          ]);
        }
        yield out;
      }
    } finally {
      readers.delete(reader);
      await rows.close();
    }
  }

  return {
    label: file,
    files: [file],
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
