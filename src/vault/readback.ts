/**
 * Read-back check for records whose insert outcome is unknown: detokenize our tokens and compare the
 * stored value with ours. Present with our value: loaded (an earlier attempt landed). Absent: not
 * applied, send again. Present with another value: a real conflict, failed.
 *
 * @module
 */
import type { SourceRecord } from "../common/types.ts";
import type { VaultClient } from "./client.ts";
import { errorMessage, tryJson } from "./envelope.ts";
import type { BatchTally } from "./batch_tally.ts";
import { detokenizeBody } from "./payload.ts";

/** What the read-back found. */
export interface ReadbackResult {
  /** Stored with our value: an earlier attempt landed. */
  present: SourceRecord[];
  /** Not stored: safe to send again. */
  absent: SourceRecord[];
  /** Stored with a different value: a real conflict. */
  conflicting: SourceRecord[];
  /** Could not be checked (read-back failed); outcome still unknown. */
  unknown: { records: SourceRecord[]; status: number; message: string; requestId?: string }[];
}

/**
 * Checks `records` by detokenizing their tokens in chunks of `chunk`. A chunk answered 404 as a
 * whole (a vault that ignores `continueOnError`) is split until single tokens, where 404 = absent.
 */
export async function readBack(
  client: VaultClient,
  vaultId: string,
  records: readonly SourceRecord[],
  tally: BatchTally,
  options: { chunk: number; signal?: AbortSignal },
): Promise<ReadbackResult> {
  const result: ReadbackResult = { present: [], absent: [], conflicting: [], unknown: [] };
  const path = `/v1/vaults/${encodeURIComponent(vaultId)}/detokenize`;
  const pending: SourceRecord[][] = [];
  for (let i = 0; i < records.length; i += options.chunk) pending.push(records.slice(i, i + options.chunk));
  while (pending.length > 0) {
    const group = pending.shift()!;
    const attempted = await client.send({
      kind: "detokenize",
      method: "POST",
      path,
      body: detokenizeBody(group.map((r) => r.token)),
      records: group.length,
    }, options.signal);
    tally.count(attempted);
    if (attempted.kind === "exhausted") {
      result.unknown.push({ records: group, ...attempted });
      continue;
    }
    const { answer } = attempted;
    if (answer.status === 404) {
      if (group.length === 1) result.absent.push(group[0]);
      else pending.unshift(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
      continue;
    }
    const stored = answer.status < 300 ? storedValues(answer.body) : undefined;
    if (!stored) {
      const message = errorMessage(answer.status, answer.body);
      result.unknown.push({ records: group, status: answer.status, message, requestId: answer.requestId });
      continue;
    }
    for (const record of group) {
      const value = stored.get(record.token);
      if (value === undefined) result.absent.push(record);
      else if (value === record.value) result.present.push(record);
      else result.conflicting.push(record);
    }
  }
  return result;
}

/** token → stored value from a detokenize answer; tokens answered with an error are left out. */
function storedValues(body: string): Map<string, string> | undefined {
  const parsed = tryJson(body) as { records?: unknown } | undefined;
  if (!parsed || !Array.isArray(parsed.records)) return undefined;
  const map = new Map<string, string>();
  for (const entry of parsed.records as Record<string, unknown>[]) {
    if (entry && typeof entry.token === "string" && typeof entry.value === "string" && !entry.error) {
      map.set(entry.token, entry.value);
    }
  }
  return map;
}
