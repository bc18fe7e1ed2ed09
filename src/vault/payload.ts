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
  column: string;
  table: string;
  byotMode: ByotMode;
}

/** Bytes per record to start the buffer with (it grows if values are longer). */
const RECORD_BYTES_GUESS = 128;

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
  const fields = utf8(`{"fields":{${col}:`);
  const tokens = utf8(`},"tokens":{${col}:`);
  const close = utf8("}}");
  const comma = utf8(",");
  const out = new JsonBytes(64 + records.length * RECORD_BYTES_GUESS).raw(utf8(`{"records":[`));
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out.raw(comma);
    out.raw(fields).string(records[i].value).raw(tokens).string(records[i].token).raw(close);
  }
  const upsertPart = upsert ? `,"upsert":${col}` : "";
  out.raw(utf8(`],"tokenization":true,"byot":${JSON.stringify(target.byotMode)}${upsertPart}}`));
  return out.bytes();
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
  const head = utf8(
    `{"method":"POST","tableName":${JSON.stringify(target.table)},"tokenization":true,"fields":{${col}:`,
  );
  const tokens = utf8(`},"tokens":{${col}:`);
  const close = utf8(upsert ? `},"upsert":${col}}` : "}}");
  const comma = utf8(",");
  const out = new JsonBytes(64 + records.length * 2 * RECORD_BYTES_GUESS).raw(utf8(`{"records":[`));
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out.raw(comma);
    out.raw(head).string(records[i].value).raw(tokens).string(records[i].token).raw(close);
  }
  out.raw(utf8(`],"continueOnError":true,"byot":${JSON.stringify(target.byotMode)}}`));
  return out.bytes();
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
