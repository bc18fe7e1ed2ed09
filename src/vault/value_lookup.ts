/**
 * {@linkcode lookupValues}: which of our values the vault stores, and under which `skyflow_id`, by Get
 * Records with `column_name` + `column_values` (at most 25 per request, skyflow-api.md §5). It reads,
 * never writes. The read-back's fallback and `byot verify` both ask this question.
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import type { VaultClient } from "./client.ts";
import type { BatchTally } from "./batch_tally.ts";
import { errorMessage, tryJson } from "./envelope.ts";

/** Skyflow's documented maximum of `column_values` per Get. */
export const MAX_LOOKUP_VALUES = 25;

/** An answer that did not say which values are stored. */
export interface LookupFailure {
  /** HTTP status of the answer (0 when the retries ran out on transport failures). */
  status: number;
  /** The vault's message, or the client's description. */
  message: string;
  /** `X-Request-Id` of the answer. */
  requestId?: string;
}

/** What {@linkcode lookupValues} found. */
export type LookupResult =
  /** `ids` maps each stored value to its record's `skyflow_id` (values not stored are absent). */
  | { kind: "found"; ids: Map<string, string> }
  /** A definite 4xx: this vault will not answer (no read permission, or a column that is not unique). */
  | ({ kind: "refused" } & LookupFailure)
  /** The retries ran out, or the answer could not be read: the question is still open. */
  | ({ kind: "unknown" } & LookupFailure);

/**
 * Asks the vault which of `values` its column stores, `MAX_LOOKUP_VALUES` per request. A 404 ("No
 * Records Found") means none of that request's values. Stops at the first request that is refused
 * or cannot be read.
 *
 * @example
 * ```ts ignore
 * const found = await lookupValues(client, vault, ["MARY SMITH"], tally);
 * if (found.kind === "found") console.log(found.ids.has("MARY SMITH"));
 * ```
 */
export async function lookupValues(
  client: VaultClient,
  vault: VaultSpec,
  values: readonly string[],
  tally: BatchTally,
  signal?: AbortSignal,
): Promise<LookupResult> {
  const ids = new Map<string, string>();
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
      refusalIsAnswer: true,
    }, signal);
    tally.count(attempted);
    if (attempted.kind === "exhausted") {
      const { status, message, requestId } = attempted;
      return { kind: "unknown", status, message, requestId };
    }
    const { answer } = attempted;
    if (answer.status === 404) continue;
    const failure = {
      status: answer.status,
      message: errorMessage(answer.status, answer.body),
      requestId: answer.requestId,
    };
    if (answer.status >= 400 && answer.status < 500) return { kind: "refused", ...failure };
    const records = answer.status < 300
      ? (tryJson(answer.body) as { records?: unknown } | undefined)?.records
      : undefined;
    if (!Array.isArray(records)) return { kind: "unknown", ...failure };
    for (const entry of records as { skyflow_id?: unknown; fields?: Record<string, unknown> }[]) {
      const value = entry?.fields?.[vault.column];
      const id = entry?.fields?.skyflow_id ?? entry?.skyflow_id;
      if (typeof value === "string" && typeof id === "string") ids.set(value, id);
    }
  }
  return { kind: "found", ids };
}
