/**
 * A single CSV file holding both the value and the token of each row, in columns named by the
 * caller (`value` and `token` by default).
 *
 * @module
 */
import type { SourceCursor, SourceItem } from "../../common/types.ts";
import { type CsvReader, openCsv } from "./parser.ts";
import { CsvNotes } from "./notes.ts";
import {
  checkCursor,
  type CsvVaultSource,
  headerLayout,
  makeItem,
  requireFile,
  RowPump,
  tooManyFields,
} from "./source.ts";

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
  const notes = new CsvNotes(file);
  let opened: Promise<{ indexes: number[]; width: number }> | undefined;

  function open(): Promise<{ indexes: number[]; width: number }> {
    opened ??= requireFile(file).then(() => headerLayout(file, [valueColumn, tokenColumn]));
    opened.catch(() => opened = undefined);
    return opened;
  }

  async function* read(
    readOptions: { from?: SourceCursor; signal?: AbortSignal } = {},
  ): AsyncGenerator<SourceItem[]> {
    const { indexes: [valueIndex, tokenIndex], width } = await open();
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
        const out: SourceItem[] = [];
        for (let k = 0; k < n; k++) {
          const row = rows.take();
          if (row.fields.length > width) {
            if (out.length > 0) yield out;
            throw tooManyFields(file, row, width, rows.linesKnown, position + 1);
          }
          const item = makeItem(position++, row.fields[valueIndex] ?? "", row.fields[tokenIndex] ?? "", [
            row.offset,
          ]);
          if (item.skip !== undefined) notes.skipped(rows.linesKnown ? row.line : undefined, position);
          out.push(item);
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
    notes,
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
