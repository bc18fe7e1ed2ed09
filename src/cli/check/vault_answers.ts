/**
 * What `byot check` makes of each vault probe's answer: a ✓/✗/! item with what to do. The probes
 * themselves are `vault_checks.ts`.
 *
 * @module
 */
import type { LoadSettings } from "../../config/settings.ts";
import type { VaultSpec } from "../../common/types.ts";
import {
  errorChainText,
  isProtocolMismatch,
  protocolHint,
  rejectionSubject,
} from "../../vault/config_rejection.ts";
import { errorMessage } from "../../vault/envelope.ts";
import { type HttpAnswer, TransportError } from "../../vault/http.ts";
import type { CheckItem } from "./item.ts";

/** The vault-URL item of a probe that got no answer: a TLS/protocol mismatch, or what failed in transport. */
export function transportItem(vaultUrl: string, error: unknown): CheckItem {
  const text = errorChainText(error);
  if (isProtocolMismatch(text)) {
    return {
      id: "vault-url",
      status: "fail",
      title: `vault URL ${vaultUrl}: TLS/protocol mismatch`,
      fix: protocolHint(vaultUrl),
    };
  }
  const message = error instanceof TransportError ? error.message : text;
  return {
    id: "vault-url",
    status: "fail",
    title: `vault URL ${vaultUrl}: no answer (${message})`,
    fix: "check the vault URL and the network path to it",
  };
}

/** The vault URL item, from the first probe's answer: 401 and an unknown vault stop the checks. */
export function urlItem(vaultUrl: string, vault: VaultSpec, answer: HttpAnswer): CheckItem {
  const message = errorMessage(answer.status, answer.body);
  if (answer.status === 401) {
    return {
      id: "vault-url",
      status: "fail",
      title: `vault URL ${vaultUrl}: the vault refused the credentials (401: ${message})`,
      fix: "supply a valid bearer token or service-account credentials for this vault",
    };
  }
  if (answer.status === 404 && !/no records found/i.test(message)) {
    return {
      id: "vault-url",
      status: "fail",
      title: `vault URL ${vaultUrl}: vault ${vault.name} (id ${vault.id}) not found (404: ${message})`,
      fix: "check the vault URL and the vault's id in the config",
    };
  }
  return {
    id: "vault-url",
    status: "ok",
    title: `vault URL ${vaultUrl}: answering over ${vaultUrl.startsWith("https:") ? "TLS" : "plain HTTP"} ` +
      `(HTTP ${answer.status} in ${Math.round(answer.latencyMs)} ms)`,
  };
}

/** The table-and-column item of a vault from its Get probe: both exist, or the 400 naming the one that does not. */
export function schemaItem(vault: VaultSpec, answer: HttpAnswer): CheckItem {
  const id = `vault:${vault.name}:table`;
  const message = errorMessage(answer.status, answer.body);
  const where = `vault ${vault.name}: table ${vault.table}, column ${vault.column}`;
  if (answer.status === 404 && /no records found/i.test(message) || answer.status === 200) {
    return { id, status: "ok", title: `${where}: exist` };
  }
  const subject = answer.status === 400 ? rejectionSubject(message) : undefined;
  if (subject === "table") {
    return {
      id,
      status: "fail",
      title: `vault ${vault.name}: the vault has no table ${vault.table} (400: ${message})`,
      fix:
        `fix "table" (or "column", which names the table when "table" is absent) of vault ${vault.name} in the config`,
    };
  }
  if (subject === "column") {
    return {
      id,
      status: "fail",
      title: `vault ${vault.name}: table ${vault.table} has no column ${vault.column} (400: ${message})`,
      fix: `fix "column" of vault ${vault.name} in the config`,
    };
  }
  if (answer.status === 403) {
    return {
      id,
      status: "warn",
      title: `${where}: not verifiable, reads are forbidden (403: ${message})`,
      fix: "a wrong table or column then shows at the first insert, which stops the load (exit 2) unsettled",
    };
  }
  if (answer.status === 401 || answer.status === 404) {
    return {
      id,
      status: "fail",
      title: `vault ${vault.name} (id ${vault.id}): ${answer.status}: ${message}`,
      fix: "check the vault id in the config and that the credentials may use this vault",
    };
  }
  return {
    id,
    status: "warn",
    title: `${where}: not verified, the probe got ${answer.status}: ${message}`,
    fix: "run byot check again; if it persists, check the table and column in the Skyflow studio",
  };
}

/** The read-back item of a vault from its detokenize probe: allowed, or forbidden with the way out. */
export function readItem(settings: LoadSettings, vault: VaultSpec, answer: HttpAnswer): CheckItem {
  const id = `vault:${vault.name}:read`;
  if (answer.status < 300 || answer.status === 404) {
    return { id, status: "ok", title: `vault ${vault.name}: read-back (detokenize) allowed` };
  }
  const message = errorMessage(answer.status, answer.body);
  if (answer.status === 401 || answer.status === 403) {
    return settings.upsert
      ? {
        id,
        status: "warn",
        title: `vault ${vault.name}: read-back (detokenize) refused (${answer.status}: ${message}); ` +
          "--upsert settles unknown outcomes by re-sending instead",
        fix: "a duplicate value sent with a different token is then rejected rather than explained",
      }
      : {
        id,
        status: "warn",
        title:
          `vault ${vault.name}: read-back (detokenize) refused (${answer.status}: ${message}); a batch ` +
          "whose outcome is unknown (timeout, reset) cannot be checked, and the load stops there",
        fix: "run the load with --upsert (re-sends are then idempotent), or give the service account a " +
          "role that may detokenize this vault's column",
      };
  }
  return {
    id,
    status: "warn",
    title: `vault ${vault.name}: read-back probe got ${answer.status}: ${message}`,
    fix: "run byot check again; if it persists, check the role's detokenize permission",
  };
}
