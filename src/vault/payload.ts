/**
 * Request bodies for the Insert, Batch and Detokenize endpoints. The hot path writes Insert and Batch
 * bodies straight into UTF-8 bytes ({@linkcode JsonBytes}): one buffer per batch, no string per
 * record. The string forms serve `--dry-run` and tests.
 *
 * @module
 */
import type { ByotMode } from "../config/settings.ts";
import type { SourceRecord } from "../common/types.ts";
import { JsonBytes, utf8 } from "./json_bytes.ts";

const DECODER = new TextDecoder();

/** What a payload needs to know about its vault. */
export interface PayloadTarget {
  /** Column that receives the value and the token. */
  column: string;
  /** Table named in each Batch operation (Insert bodies take it from the URL). */
  table: string;
  /** The body's `byot` field. */
  byotMode: ByotMode;
}

/** Bytes per record to start the buffer with (it grows if values are longer). */
const RECORD_BYTES_GUESS = 128;
const RECORDS_OPEN = utf8(`{"records":[`);
const COMMA = utf8(",");

/**
 * `{"records":[` then, per record and comma-separated, `before` value `between` token `after`, then
 * `tail` (which closes the array): the shape shared by the Insert and Batch bodies.
 */
function recordsBody(
  records: readonly SourceRecord[],
  piece: { before: string; between: string; after: string; tail: string },
  bytesPerRecord: number,
): Uint8Array {
  const before = utf8(piece.before);
  const between = utf8(piece.between);
  const after = utf8(piece.after);
  const out = new JsonBytes(64 + records.length * bytesPerRecord).raw(RECORDS_OPEN);
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out.raw(COMMA);
    out.raw(before).string(records[i].value).raw(between).string(records[i].token).raw(after);
  }
  return out.raw(utf8(piece.tail)).bytes();
}

/**
 * Insert Records body as UTF-8 bytes:
 * `{"records":[{"fields":{col:v},"tokens":{col:t}}],"tokenization":true,"byot":…[,"upsert":col]}`.
 */
export function insertBytes(
  target: PayloadTarget,
  records: readonly SourceRecord[],
  upsert: boolean,
): Uint8Array {
  const col = JSON.stringify(target.column);
  const upsertPart = upsert ? `,"upsert":${col}` : "";
  return recordsBody(records, {
    before: `{"fields":{${col}:`,
    between: `},"tokens":{${col}:`,
    after: "}}",
    tail: `],"tokenization":true,"byot":${JSON.stringify(target.byotMode)}${upsertPart}}`,
  }, RECORD_BYTES_GUESS);
}

/** {@linkcode insertBytes} as text. */
export function insertBody(target: PayloadTarget, records: readonly SourceRecord[], upsert: boolean): string {
  return DECODER.decode(insertBytes(target, records, upsert));
}

/**
 * Batch body with `continueOnError: true` as UTF-8 bytes: one `POST` operation per record on the
 * vault's table.
 */
export function batchBytes(
  target: PayloadTarget,
  records: readonly SourceRecord[],
  upsert: boolean,
): Uint8Array {
  const col = JSON.stringify(target.column);
  return recordsBody(records, {
    before: `{"method":"POST","tableName":${
      JSON.stringify(target.table)
    },"tokenization":true,"fields":{${col}:`,
    between: `},"tokens":{${col}:`,
    after: upsert ? `},"upsert":${col}}` : "}}",
    tail: `],"continueOnError":true,"byot":${JSON.stringify(target.byotMode)}}`,
  }, 2 * RECORD_BYTES_GUESS);
}

/** {@linkcode batchBytes} as text. */
export function batchBody(target: PayloadTarget, records: readonly SourceRecord[], upsert: boolean): string {
  return DECODER.decode(batchBytes(target, records, upsert));
}

/** Detokenize body for a read-back check of the given tokens. */
export function detokenizeBody(tokens: readonly string[]): string {
  const params = tokens.map((t) => `{"token":${JSON.stringify(t)},"redaction":"PLAIN_TEXT"}`);
  return `{"detokenizationParameters":[${params.join(",")}],"continueOnError":true}`;
}
