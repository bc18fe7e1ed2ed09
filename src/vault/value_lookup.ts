/**
 * {@linkcode lookupValues}: which of our values the vault stores, by Get Records with `column_name` +
 * `column_values` (at most 25 per request, skyflow-api.md §5). It reads values, never writes.
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import type { VaultClient } from "./client.ts";
import type { BatchTally } from "./batch_tally.ts";
import { errorMessage, tryJson } from "./envelope.ts";

/** Skyflow's documented maximum of `column_values` per Get. */
export const MAX_LOOKUP_VALUES = 25;

/** What {@linkcode lookupValues} found. */
export type LookupResult =
  | { kind: "found"; stored: Set<string> }
  /** The vault would not answer the question (a 4xx such as a column that is not unique, or retries ran out). */
  | { kind: "unavailable"; status: number; message: string };

/**
 * Asks the vault which of `values` its column stores, `MAX_LOOKUP_VALUES` per request. A 404 ("No
 * Records Found") means none of that request's values.
 *
 * @example
 * ```ts ignore
 * const found = await lookupValues(client, vault, ["MARY SMITH"], tally);
 * if (found.kind === "found") console.log(found.stored.has("MARY SMITH"));
 * ```
 */
export async function lookupValues(
  client: VaultClient,
  vault: VaultSpec,
  values: readonly string[],
  tally: BatchTally,
  signal?: AbortSignal,
): Promise<LookupResult> {
  const stored = new Set<string>();
  const base = `/v1/vaults/${encodeURIComponent(vault.id)}/${encodeURIComponent(vault.table)}`;
  for (let i = 0; i < values.length; i += MAX_LOOKUP_VALUES) {
    const chunk = values.slice(i, i + MAX_LOOKUP_VALUES);
    const query = new URLSearchParams({ column_name: vault.column, redaction: "PLAIN_TEXT" });
    for (const value of chunk) query.append("column_values", value);
    const attempted = await client.send({
      kind: "get",
      method: "GET",
      path: `${base}?${query}`,
      records: chunk.length,
    }, signal);
    tally.count(attempted);
    if (attempted.kind === "exhausted") {
      return { kind: "unavailable", status: attempted.status, message: attempted.message };
    }
    const { answer } = attempted;
    if (answer.status === 404) continue;
    const records = answer.status < 300
      ? (tryJson(answer.body) as { records?: unknown } | undefined)?.records
      : undefined;
    if (!Array.isArray(records)) {
      return {
        kind: "unavailable",
        status: answer.status,
        message: errorMessage(answer.status, answer.body),
      };
    }
    for (const entry of records as { fields?: Record<string, unknown> }[]) {
      const value = entry?.fields?.[vault.column];
      if (typeof value === "string") stored.add(value);
    }
  }
  return { kind: "found", stored };
}
