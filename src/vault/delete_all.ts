/**
 * The Skyflow bulk delete behind `byot clear`: `DELETE {vault_url}/v1/vaults/{id}/{table}` with
 * `{"skyflow_ids":["*"]}`, which deletes every record of a table in one request.
 *
 * @module
 */
import { ConfigError, UnknownOutcomeError, VaultHttpError, VaultUnavailableError } from "../common/errors.ts";
import type { VaultSpec } from "../common/types.ts";
import type { VaultClient } from "./client.ts";
import { errorMessage, tryJson } from "./envelope.ts";

/** What was deleted in one vault. */
export interface ClearedVault {
  /** Vault name from the config. */
  name: string;
  /** Skyflow vault id. */
  id: string;
  /** The table whose records were deleted. */
  table: string;
  /** `"all"` when the vault answered `["*"]`, else the number of record ids it listed. */
  deleted: "all" | number;
  /** `X-Request-Id` of the answer. */
  requestId?: string;
}

/** The body of a delete of every record. */
export const DELETE_ALL_BODY = '{"skyflow_ids":["*"]}';

/**
 * One bulk delete of every record of `vault`'s table, sent through `client` (retries, 429 gate).
 * A 404 "no records found" is an empty table, not an error.
 *
 * @throws {ConfigError} (exit 2) for a 404 other than an empty table (wrong URL, id or table).
 * @throws {VaultHttpError} (exit 3) when the vault rejects the delete.
 * @throws {VaultUnavailableError} or {UnknownOutcomeError} (exit 75) when the vault keeps failing or
 *   never answers: the delete may or may not have been applied, and sending it again is safe.
 */
export async function deleteAll(client: VaultClient, vault: VaultSpec): Promise<ClearedVault> {
  const attempted = await client.send({
    kind: "delete",
    method: "DELETE",
    path: `/v1/vaults/${encodeURIComponent(vault.id)}/${encodeURIComponent(vault.table)}`,
    body: DELETE_ALL_BODY,
    records: 0,
  });
  const base = { name: vault.name, id: vault.id, table: vault.table };
  if (attempted.kind === "exhausted") {
    const status = attempted.status === 0 ? "no answer" : `HTTP ${attempted.status}`;
    const text = `vault ${vault.name}: the delete failed after ${attempted.requests} attempts (${status}: ` +
      `${attempted.message})${requestIdText(attempted.requestId)}; it may or may not have been applied, ` +
      "and running byot clear again is safe";
    throw attempted.status === 0 ? new UnknownOutcomeError(text) : new VaultUnavailableError(text);
  }
  const { answer } = attempted;
  if (answer.status >= 200 && answer.status < 300) {
    return { ...base, deleted: deletedCount(answer.body), requestId: answer.requestId };
  }
  const message = errorMessage(answer.status, answer.body);
  if (answer.status === 404 && /no records? found/i.test(message)) {
    return { ...base, deleted: 0, requestId: answer.requestId };
  }
  const text = `vault ${vault.name} answered ${answer.status} to the delete: ${message}` +
    requestIdText(answer.requestId);
  if (answer.status === 404) {
    throw new ConfigError(`${text}; check the vault URL, vault id and table in the config`);
  }
  throw new VaultHttpError(text, {
    status: answer.status,
    requestId: answer.requestId,
    vaultMessage: message,
  });
}

/** `"all"` for `{"RecordIDResponse":["*"]}`, else the number of ids listed (0 when unreadable). */
function deletedCount(body: string): "all" | number {
  const ids = (tryJson(body) as { RecordIDResponse?: unknown } | undefined)?.RecordIDResponse;
  if (!Array.isArray(ids)) return 0;
  return ids.length === 1 && ids[0] === "*" ? "all" : ids.length;
}

function requestIdText(requestId: string | undefined): string {
  return requestId ? ` (request id ${requestId})` : "";
}
