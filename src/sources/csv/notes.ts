/**
 * What a CSV source noticed while reading, for the summary: where rows were skipped (an empty value
 * or token) and where a blank line in one paired file met a non-empty row in the other, a sign that
 * the two files may be misaligned. Only the first few line numbers are kept; counts are exact.
 *
 * @module
 */

/** How many line numbers of each kind are kept for the summary. */
export const NOTED_LINES = 5;

/** A blank row in one file of a pair where the other file's row has content. */
export interface BlankMismatch {
  /** The file whose row is blank. */
  blankFile: string;
  /** The other file (its row at the same position is not blank). */
  otherFile: string;
  /** Line of the blank row in `blankFile` (undefined when read from a resume offset). */
  line?: number;
  /** 1-based data row (header excluded), always known. */
  row: number;
}

/**
 * Notes of one CSV source, filled while it reads.
 *
 * @example
 * ```ts
 * const notes = new CsvNotes("data/name_data.csv");
 * notes.skipped(12, 11);
 * notes.skippedCount; // 1
 * ```
 */
export class CsvNotes {
  /** The file whose line numbers `skippedLines` gives (the data file of a pair). */
  readonly file: string;
  /** Rows skipped for an empty value or token. */
  skippedCount = 0;
  /** Lines (or, when unknown, `row N` labels) of the first skipped rows. */
  readonly skippedLines: string[] = [];
  /** Blank rows meeting a non-empty row in the other file. */
  mismatchCount = 0;
  /** The first of them. */
  readonly mismatches: BlankMismatch[] = [];

  /**
   * Starts empty notes.
   * @param file the file whose lines are reported.
   */
  constructor(file: string) {
    this.file = file;
  }

  /** A row was skipped; `line` undefined when unknown, `row` 1-based. */
  skipped(line: number | undefined, row: number): void {
    if (this.skippedCount++ < NOTED_LINES) {
      this.skippedLines.push(line === undefined ? `row ${row}` : String(line));
    }
  }

  /** A blank row met a non-empty row in the other file. */
  mismatch(entry: BlankMismatch): void {
    if (this.mismatchCount++ < NOTED_LINES) this.mismatches.push(entry);
  }

  /**
   * Summary lines for vault `vault`: where rows were skipped and a warning per blank-row mismatch.
   * Empty when nothing was noticed.
   */
  lines(vault: string): string[] {
    const out: string[] = [];
    if (this.skippedCount > 0) {
      const more = this.skippedCount > this.skippedLines.length ? ", …" : "";
      out.push(
        `Skipped ${vault}: ${this.skippedCount} row${
          this.skippedCount === 1 ? "" : "s"
        } with an empty value or ` +
          `token, at ${this.file} line${this.skippedLines.length === 1 ? "" : "s"} ${
            this.skippedLines.join(", ")
          }${more}`,
      );
    }
    for (const m of this.mismatches) {
      const where = m.line === undefined ? `data row ${m.row}` : `line ${m.line}`;
      out.push(
        `warning: ${m.blankFile} ${where} is blank but ${m.otherFile} has a value there: the files may be ` +
          `misaligned (compare them side by side with paste)`,
      );
    }
    if (this.mismatchCount > this.mismatches.length) {
      out.push(`warning: ${this.mismatchCount - this.mismatches.length} more blank rows meet non-empty rows`);
    }
    return out;
  }
}
