/**
 * The vault side of `byot check`, by requests that cannot change data: the bearer token (or the
 * service-account exchange) and its expiry; the vault URL (DNS, TCP, TLS or plain HTTP, 401/403/404);
 * each vault's table and column (a Get by `column_values` of a value that cannot exist: "No Records
 * Found" when both exist, a 400 naming the one that does not); and read-back permission (a
 * detokenize of a token that cannot exist: 404 when allowed, 403 when the role may only insert).
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { LoadSettings } from "../../config/settings.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import type { TokenProvider } from "../../vault/auth/token_provider.ts";
import { type HttpAnswer, httpExchange } from "../../vault/http.ts";
import type { CheckItem } from "./item.ts";
import { readItem, schemaItem, transportItem, urlItem } from "./vault_answers.ts";

/** Collaborators of {@linkcode checkVaults}. */
export interface VaultCheckDeps {
  /** HTTP client for the vault and token requests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Time source (token expiry, latency). */
  clock: Clock;
  /** Uniform random in [0, 1) (token exchange backoff). @default Math.random */
  random?: () => number;
  /** Per-probe timeout in ms. @default 10000 */
  timeoutMs?: number;
  /** The token provider to check (the load passes its own). @default one built from the settings */
  tokens?: TokenProvider;
}

/** The checklist items and the probes' median latency (for the projected duration). */
export interface VaultCheckResult {
  /** Items in order: credentials, vault URL, then per vault table/column and read-back. */
  items: CheckItem[];
  /** Median round trip of the probes that got an answer, in ms; undefined when none did. */
  latencyMs?: number;
}

/**
 * Runs the vault checks. Stops after the first item that makes the rest meaningless (no token, an
 * unreachable URL).
 */
export async function checkVaults(settings: LoadSettings, deps: VaultCheckDeps): Promise<VaultCheckResult> {
  const items: CheckItem[] = [];
  const latencies: number[] = [];
  const token = await checkCredentials(settings, deps, items);
  if (token === undefined) return { items };
  const probe = async (path: string, method: "GET" | "POST", body?: string): Promise<HttpAnswer> => {
    const answer = await httpExchange({
      method,
      url: `${settings.vaultUrl}${path}`,
      bearerToken: token,
      body,
      timeoutMs: deps.timeoutMs ?? 10_000,
      fetch: deps.fetch,
      clock: deps.clock,
    });
    latencies.push(answer.latencyMs);
    return answer;
  };
  let urlReported = false;
  for (const vault of settings.vaults) {
    const id = encodeURIComponent(vault.id);
    const column = encodeURIComponent(vault.column);
    const impossible = `byot-check-${crypto.randomUUID()}`;
    let answer: HttpAnswer;
    try {
      answer = await probe(
        `/v1/vaults/${id}/${encodeURIComponent(vault.table)}?column_name=${column}` +
          `&column_values=${impossible}&redaction=PLAIN_TEXT`,
        "GET",
      );
    } catch (error) {
      // no answer: DNS and TCP tell why, more precisely than the HTTP client's message
      if (!urlReported && !(await checkReachable(settings.vaultUrl, items))) return { items };
      items.push(transportItem(settings.vaultUrl, error));
      return { items };
    }
    if (!urlReported) {
      urlReported = true;
      const url = urlItem(settings.vaultUrl, vault, answer);
      items.push(url);
      if (url.status === "fail") return { items };
    }
    const tableItem = schemaItem(vault, answer);
    items.push(tableItem);
    if (tableItem.status === "fail" && (answer.status === 401 || answer.status === 404)) continue;
    let read: HttpAnswer;
    try {
      read = await probe(
        `/v1/vaults/${id}/detokenize`,
        "POST",
        JSON.stringify({ detokenizationParameters: [{ token: impossible, redaction: "PLAIN_TEXT" }] }),
      );
    } catch (error) {
      items.push(transportItem(settings.vaultUrl, error));
      return { items };
    }
    items.push(readItem(settings, vault, read));
  }
  latencies.sort((a, b) => a - b);
  return { items, latencyMs: latencies.length ? latencies[latencies.length >> 1] : undefined };
}

/** Gets a token (exchanging service-account credentials); its expiry when it is a JWT. */
async function checkCredentials(
  settings: LoadSettings,
  deps: VaultCheckDeps,
  items: CheckItem[],
): Promise<string | undefined> {
  const how = settings.credentials !== undefined
    ? `service-account credentials (${settings.credentialsOrigin ?? "credentials file"})`
    : `bearer token (from ${settings.tokenOrigin})`;
  let token: string;
  try {
    const provider = createTokenProvider(settings, {
      fetch: deps.fetch,
      clock: deps.clock,
      random: deps.random,
    });
    token = await provider.get();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    items.push({
      id: "credentials",
      status: "fail",
      title: `credentials: ${how}: ${message}`,
      fix: "fix the credentials file or token (--credentials FILE, --token-file FILE, SKYFLOW_BEARER_TOKEN)",
    });
    return undefined;
  }
  const exp = jwtExpiry(token);
  const now = deps.clock.now();
  // an exchanged token is refreshed before every use however short its life: only a static one can expire
  if (exp !== undefined && exp <= now && settings.credentials === undefined) {
    items.push({
      id: "credentials",
      status: "fail",
      title: `credentials: ${how}: the token expired at ${utc(exp)}`,
      fix: "supply a fresh token, or service-account credentials (--credentials FILE) that byot refreshes",
    });
    return undefined;
  }
  const expiry = exp === undefined
    ? "no expiry readable (API key or opaque token)"
    : `expires ${utc(exp)} (in ${Math.max(0, Math.round((exp - now) / 60_000))} min)` +
      (settings.credentials === undefined ? "; a static token is not refreshed" : "; refreshed by byot");
  const exchanged = settings.credentials !== undefined ? "token issued" : "token present";
  items.push({ id: "credentials", status: "ok", title: `credentials: ${how}: ${exchanged}, ${expiry}` });
  return token;
}

/** DNS and TCP for the vault URL's host and port. */
async function checkReachable(vaultUrl: string, items: CheckItem[]): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(vaultUrl);
  } catch {
    items.push({
      id: "vault-url",
      status: "fail",
      title: `vault URL ${vaultUrl} is not a URL`,
      fix: "fix --vault-url",
    });
    return false;
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const isIp = /^[\d.]+$/.test(hostname) || hostname.includes(":");
  if (!isIp && hostname !== "localhost") {
    try {
      const [a, aaaa] = await Promise.allSettled([
        Deno.resolveDns(hostname, "A"),
        Deno.resolveDns(hostname, "AAAA"),
      ]);
      const found = [a, aaaa].some((r) => r.status === "fulfilled" && r.value.length > 0);
      if (!found) throw new Error("no address");
    } catch {
      items.push({
        id: "vault-url",
        status: "fail",
        title: `vault URL ${vaultUrl}: DNS cannot resolve ${hostname}`,
        fix: "check the host name of the vault URL (--vault-url, SKYFLOW_VAULT_URL, skyflow.vault_url)",
      });
      return false;
    }
  }
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
  } catch (error) {
    const why = error instanceof Error ? error.name : "error";
    items.push({
      id: "vault-url",
      status: "fail",
      title: `vault URL ${vaultUrl}: cannot open a TCP connection to ${hostname}:${port} (${why})`,
      fix: "check the port of the vault URL and that the vault (or proxy) is reachable from this machine",
    });
    return false;
  }
  return true;
}

/** `exp` of a JWT in ms since the epoch, or undefined for anything else. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const json = JSON.parse(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof json?.exp === "number" ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
