/**
 * Plain-text tables for `byot status` and `byot failures list`: a header row and aligned columns
 * separated by spaces, no box drawing, no trailing spaces.
 *
 * @module
 */
import { truncate } from "../../report/format.ts";

/** A column of {@linkcode renderTable}. */
export interface TableColumn {
  /** Header text. */
  header: string;
  /** Align cells to the right (numbers). @default false */
  right?: boolean;
  /** Cut longer cells to this width, ending with `…`. @default no limit */
  maxWidth?: number;
}

/** Options of {@linkcode renderTable}. */
export interface TableOptions {
  /** Text before every line. @default "" */
  indent?: string;
  /** Spaces between columns. @default 2 */
  gap?: number;
}

/**
 * Renders `rows` under `columns`, one line per row, ending with a newline. Cells beyond the
 * columns are ignored; missing cells are empty.
 *
 * @example
 * ```ts
 * renderTable([{ header: "Vault" }, { header: "Loaded", right: true }], [["SSN", "1,000"]]);
 * // "Vault  Loaded\nSSN     1,000\n"
 * ```
 */
export function renderTable(columns: TableColumn[], rows: string[][], options: TableOptions = {}): string {
  const indent = options.indent ?? "";
  const gap = " ".repeat(options.gap ?? 2);
  const cells = [columns.map((c) => c.header), ...rows].map((row) =>
    columns.map((c, i) => {
      const text = (row[i] ?? "").replace(/[\r\n\t]+/g, " ");
      return c.maxWidth === undefined ? text : truncate(text, c.maxWidth);
    })
  );
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const lines = cells.map((row) =>
    indent + row.map((text, i) => columns[i].right ? text.padStart(widths[i]) : text.padEnd(widths[i]))
      .join(gap).trimEnd()
  );
  return lines.join("\n") + "\n";
}
