/**
 * Request bodies for the Insert, Batch and Detokenize endpoints. The hot path builds Insert and Batch
 * bodies as UTF-8 bytes with no string per record: one joined string per batch encoded natively when
 * no value or token needs escaping, else written by {@linkcode JsonBytes}. The string forms serve
 * `--dry-run` and tests.
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

const ENCODER = new TextEncoder();

/**
 * `{"records":[` then, per record and comma-separated, `before` value `between` token `after`, then
 * `tail` (which closes the array): the shape shared by the Insert and Batch bodies.
 *
 * The usual batch (no value or token needs escaping, checked once over all of them) is joined as one
 * string and encoded natively: a few native passes per batch instead of a JavaScript loop per
 * character. Any other batch is written by {@linkcode JsonBytes}. Both give the bytes of
 * `JSON.stringify`'s text.
 */
function recordsBody(
  records: readonly SourceRecord[],
  piece: { before: string; between: string; after: string; tail: string },
  bytesPerRecord: number,
  jsonSafe: boolean,
): Uint8Array {
  const plain = jsonSafe ? joinedBody(records, piece) : plainBody(records, piece);
  if (plain !== undefined) return plain;
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

/** The body when no value or token needs escaping (else `undefined`): one join, one native encode. */
function plainBody(
  records: readonly SourceRecord[],
  piece: { before: string; between: string; after: string; tail: string },
): Uint8Array | undefined {
  const n = records.length;
  const fields: string[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    fields[2 * i] = records[i].value;
    fields[2 * i + 1] = records[i].token;
  }
  // JSON.stringify escapes exactly what needs it (quote, backslash, controls, lone surrogates), and
  // an escape is always longer: the same length plus the quotes means nothing needs escaping
  const joined = fields.join("");
  if (JSON.stringify(joined).length !== joined.length + 2) return undefined;
  return joinedBody(records, piece);
}

/** The body of records whose values and tokens need no escaping: one join, one native encode. */
function joinedBody(
  records: readonly SourceRecord[],
  piece: { before: string; between: string; after: string; tail: string },
): Uint8Array {
  const n = records.length;
  if (n === 0) return ENCODER.encode(`{"records":[${piece.tail}`);
  // {"records":[ before"v"between"t"after , before"v"between"t"after ... tail
  const between = `"${piece.between}"`;
  const next = `"${piece.after},${piece.before}"`;
  const parts: string[] = new Array(4 * n + 1);
  parts[0] = `{"records":[${piece.before}"`;
  for (let i = 0; i < n; i++) {
    parts[4 * i + 1] = records[i].value;
    parts[4 * i + 2] = between;
    parts[4 * i + 3] = records[i].token;
    parts[4 * i + 4] = next;
  }
  parts[4 * n] = `"${piece.after}${piece.tail}`;
  return ENCODER.encode(parts.join(""));
}

/**
 * Insert Records body as UTF-8 bytes:
 * `{"records":[{"fields":{col:v},"tokens":{col:t}}],"tokenization":true,"byot":…[,"upsert":col]}`.
 * `jsonSafe`: the caller knows no value or token needs escaping (`Batch.jsonSafe`), so the
 * check is skipped.
 */
export function insertBytes(
  target: PayloadTarget,
  records: readonly SourceRecord[],
  upsert: boolean,
  jsonSafe = false,
): Uint8Array {
  const col = JSON.stringify(target.column);
  const upsertPart = upsert ? `,"upsert":${col}` : "";
  return recordsBody(
    records,
    {
      before: `{"fields":{${col}:`,
      between: `},"tokens":{${col}:`,
      after: "}}",
      tail: `],"tokenization":true,"byot":${JSON.stringify(target.byotMode)}${upsertPart}}`,
    },
    RECORD_BYTES_GUESS,
    jsonSafe,
  );
}

/** {@linkcode insertBytes} as text. */
export function insertBody(target: PayloadTarget, records: readonly SourceRecord[], upsert: boolean): string {
  return DECODER.decode(insertBytes(target, records, upsert));
}

/**
 * Batch body with `continueOnError: true` as UTF-8 bytes: one `POST` operation per record on the
 * vault's table. `jsonSafe` as in {@linkcode insertBytes}.
 */
export function batchBytes(
  target: PayloadTarget,
  records: readonly SourceRecord[],
  upsert: boolean,
  jsonSafe = false,
): Uint8Array {
  const col = JSON.stringify(target.column);
  return recordsBody(
    records,
    {
      before: `{"method":"POST","tableName":${
        JSON.stringify(target.table)
      },"tokenization":true,"fields":{${col}:`,
      between: `},"tokens":{${col}:`,
      after: upsert ? `},"upsert":${col}}` : "}}",
      tail: `],"continueOnError":true,"byot":${JSON.stringify(target.byotMode)}}`,
    },
    2 * RECORD_BYTES_GUESS,
    jsonSafe,
  );
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
