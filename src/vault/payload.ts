/**
 * Request bodies for the Insert, Batch and Detokenize endpoints. The hot path builds Insert and Batch
 * bodies as UTF-8 bytes: one string per batch, encoded natively; a value or token goes in as it
 * is when none of the batch needs escaping, else as `JSON.stringify` writes it. The string forms
 * serve `--dry-run` and tests.
 *
 * @module
 */
import type { ByotMode } from "../config/settings.ts";
import type { SourceRecord } from "../common/types.ts";

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

const ENCODER = new TextEncoder();

type Pieces = { before: string; between: string; after: string; tail: string };

/**
 * `{"records":[` then, per record and comma-separated, `before` value `between` token `after`, then
 * `tail` (which closes the array): the shape shared by the Insert and Batch bodies.
 *
 * The body is built as one string and encoded natively: a few native passes per batch instead of a
 * JavaScript loop per character. Values and tokens go in as they are when none needs escaping, else
 * each one as `JSON.stringify` writes it; which of the two is known from the batch's checksum pass
 * (`jsonSafe`) or checked once over all of them. Both give the bytes of `JSON.stringify`'s text of the whole body
 * (lone surrogates included: they are escaped, so the encoding never replaces them).
 */
function recordsBody(records: readonly SourceRecord[], piece: Pieces, jsonSafe?: boolean): Uint8Array {
  return joinedBody(records, piece, jsonSafe === undefined ? !plain(records) : !jsonSafe);
}

/** True when no value or token needs escaping: one join and one `JSON.stringify` over all of them. */
function plain(records: readonly SourceRecord[]): boolean {
  const n = records.length;
  const fields: string[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    fields[2 * i] = records[i].value;
    fields[2 * i + 1] = records[i].token;
  }
  // JSON.stringify escapes exactly what needs it (quote, backslash, controls, lone surrogates), and
  // an escape is always longer: the same length plus the quotes means nothing needs escaping
  const joined = fields.join("");
  return JSON.stringify(joined).length === joined.length + 2;
}

/** The body as one string and one native encode; `escape`: each value and token through `JSON.stringify`. */
function joinedBody(records: readonly SourceRecord[], piece: Pieces, escape: boolean): Uint8Array {
  const n = records.length;
  if (n === 0) return ENCODER.encode(`{"records":[${piece.tail}`);
  // {"records":[ before"v"between"t"after , before"v"between"t"after ... tail
  const q = escape ? "" : '"';
  const between = `${q}${piece.between}${q}`;
  const next = `${q}${piece.after},${piece.before}${q}`;
  // concatenation, flattened once by the encoder: about half the CPU of an array and join()
  let body = `{"records":[${piece.before}${q}`;
  for (let i = 0; i < n; i++) {
    const { value, token } = records[i];
    if (i > 0) body += next;
    body += escape ? JSON.stringify(value) + between + JSON.stringify(token) : value + between + token;
  }
  return ENCODER.encode(body + `${q}${piece.after}${piece.tail}`);
}

/**
 * Insert Records body as UTF-8 bytes:
 * `{"records":[{"fields":{col:v},"tokens":{col:t}}],"tokenization":true,"byot":…[,"upsert":col]}`.
 * `jsonSafe` (`Batch.jsonSafe`): true, the caller knows no value or token needs escaping; false, each
 * is escaped; absent, they are checked.
 */
export function insertBytes(
  target: PayloadTarget,
  records: readonly SourceRecord[],
  upsert: boolean,
  jsonSafe?: boolean,
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
  jsonSafe?: boolean,
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
