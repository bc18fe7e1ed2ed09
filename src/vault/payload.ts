/**
 * Request bodies for the Insert, Batch and Detokenize endpoints, built as strings directly: the hot
 * path builds one per batch, and `JSON.stringify` of each value and token is all the escaping needed.
 *
 * @module
 */
import type { ByotMode } from "../config/settings.ts";
import type { SourceRecord } from "../common/types.ts";

/** What a payload needs to know about its vault. */
export interface PayloadTarget {
  column: string;
  table: string;
  byotMode: ByotMode;
}

/**
 * Insert Records body:
 * `{"records":[{"fields":{col:v},"tokens":{col:t}}],"tokenization":true,"byot":…[,"upsert":col]}`.
 */
export function insertBody(target: PayloadTarget, records: readonly SourceRecord[], upsert: boolean): string {
  const col = JSON.stringify(target.column);
  const parts = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    parts[i] = `{"fields":{${col}:${JSON.stringify(r.value)}},"tokens":{${col}:${JSON.stringify(r.token)}}}`;
  }
  const upsertPart = upsert ? `,"upsert":${col}` : "";
  return `{"records":[${parts.join(",")}],"tokenization":true,"byot":"${target.byotMode}"${upsertPart}}`;
}

/**
 * Batch body with `continueOnError: true`: one `POST` operation per record on the vault's table.
 */
export function batchBody(target: PayloadTarget, records: readonly SourceRecord[], upsert: boolean): string {
  const col = JSON.stringify(target.column);
  const head = `{"method":"POST","tableName":${JSON.stringify(target.table)},"tokenization":true`;
  const upsertPart = upsert ? `,"upsert":${col}` : "";
  const parts = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    parts[i] = `${head},"fields":{${col}:${JSON.stringify(r.value)}},"tokens":{${col}:${
      JSON.stringify(r.token)
    }}${upsertPart}}`;
  }
  return `{"records":[${parts.join(",")}],"continueOnError":true,"byot":"${target.byotMode}"}`;
}

/** Detokenize body for a read-back check of the given tokens. */
export function detokenizeBody(tokens: readonly string[]): string {
  const params = tokens.map((t) => `{"token":${JSON.stringify(t)},"redaction":"PLAIN_TEXT"}`);
  return `{"detokenizationParameters":[${params.join(",")}],"continueOnError":true}`;
}
