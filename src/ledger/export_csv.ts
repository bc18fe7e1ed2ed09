/**
 * `byot failures export --format csv`: one file per vault, `value,token,status,message,request_id`,
 * RFC 4180 quoting, mode 0600.
 *
 * @module
 */
import { writePrivateFile } from "../common/private_file.ts";

/** One row of the failures CSV export. */
export interface FailureCsvRow {
  /** The value (PII). */
  value: string;
  /** The token (PII). */
  token: string;
  /** HTTP status (0 = network). */
  status: number;
  /** The vault's message or byot's description. */
  message: string;
  /** `X-Request-Id` of the answer, when there was one. */
  requestId?: string;
}

/** Options of {@linkcode writeFailuresCsv}. */
export interface WriteFailuresCsvOptions {
  /** Output file path. */
  path: string;
  /** Rows in output order; a generator is read once, lazily. */
  rows: Iterable<FailureCsvRow>;
  /** Line ending. @default "\n" */
  lineEnding?: "\n" | "\r\n";
}

/**
 * Writes `value,token,status,message,request_id` with RFC 4180 quoting (fields holding `,`, `"`,
 * CR or LF are quoted, quotes doubled), mode 0600. Returns the number of rows.
 *
 * @example
 * ```ts
 * writeFailuresCsv({ path: "failures_NAME.csv", rows: [{ value: "a", token: "t", status: 400, message: "bad" }] });
 * ```
 */
export function writeFailuresCsv(o: WriteFailuresCsvOptions): number {
  const eol = o.lineEnding ?? "\n";
  let n = 0;
  writePrivateFile(o.path, (write) => {
    write(`value,token,status,message,request_id${eol}`);
    for (const r of o.rows) {
      write([r.value, r.token, String(r.status), r.message, r.requestId ?? ""].map(csvField).join(",") + eol);
      n++;
    }
  });
  return n;
}

/** A CSV field, quoted when RFC 4180 requires it. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
