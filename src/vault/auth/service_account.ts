/**
 * Bearer tokens from a Skyflow service account: byot reads `credentials.json`, signs an RS256
 * assertion with its private key, exchanges it at `tokenURI` for an access token, caches that
 * token and refreshes it ahead of its `exp`. One exchange at a time serves every worker.
 *
 * Timeline of one token (margin = min(5 min, 20% of its lifetime)):
 * before `exp − margin` it is served from the cache; from then on a refresh runs in the background
 * while the old token is still served; from `exp − margin/2` callers wait for the new one. The
 * load therefore never pauses longer than one exchange, and no request carries an expired token.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, VaultUnavailableError } from "../../common/errors.ts";
import { errorChainText, isProtocolMismatch, protocolHint } from "../config_rejection.ts";
import { backoffDelay } from "../backoff.ts";
import { errorMessage, tryJson } from "../envelope.ts";
import { decodeJwtClaims, importRsaPrivateKey, PrivateKeyError, signRs256 } from "./jwt.ts";
import type { TokenProvider } from "./token_provider.ts";

/** The grant type of the assertion exchange. */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** The fields of a service account's `credentials.json` that byot uses. */
export interface ServiceAccountCredentials {
  /** The service account's client id: the assertion's `iss` and `sub`. */
  clientID: string;
  /** Id of the signing key: the assertion's `key` claim. */
  keyID: string;
  /** Where assertions are exchanged; an http(s) URL. */
  tokenURI: string;
  /** PEM RSA private key, PKCS#8 or PKCS#1 (secret). */
  privateKey: string;
  /** Where the credentials came from (a path, or `SKYFLOW_CREDENTIALS`), for messages. */
  origin: string;
}

/**
 * Reads `credentials.json` text. Accepts skyflow-node v2's `clientId`/`keyId`/`tokenUri` spellings.
 *
 * @param origin a path or `SKYFLOW_CREDENTIALS`, named in messages.
 * @throws {ConfigError} for bad JSON, a missing field or a non-http(s) `tokenURI`; the message
 *   names the field and the origin, never the content.
 */
export function parseCredentials(text: string, origin: string): ServiceAccountCredentials {
  const where = `service-account credentials from ${origin}`;
  const parsed = tryJson(text.trim());
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(
      `${where} are not a JSON object (expected credentials.json with clientID, keyID, tokenURI, privateKey)`,
    );
  }
  const json = parsed as Record<string, unknown>;
  const field = (name: string, alias?: string): string => {
    const value = json[name] ?? (alias === undefined ? undefined : json[alias]);
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigError(`${where}: field "${name}" is missing or empty`);
    }
    return value.trim();
  };
  const credentials = {
    clientID: field("clientID", "clientId"),
    keyID: field("keyID", "keyId"),
    tokenURI: field("tokenURI", "tokenUri"),
    privateKey: field("privateKey"),
    origin,
  };
  let url: URL | undefined;
  try {
    url = new URL(credentials.tokenURI);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConfigError(`${where}: field "tokenURI" must be an http(s) URL`);
  }
  return credentials;
}

/** The assertion's claims: iss/sub = clientID, key = keyID, aud = tokenURI, valid for one hour. */
export function assertionClaims(
  credentials: ServiceAccountCredentials,
  nowMs: number,
): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return {
    iss: credentials.clientID,
    key: credentials.keyID,
    aud: credentials.tokenURI,
    sub: credentials.clientID,
    iat: now,
    exp: now + 3600,
  };
}

/** Signs the assertion for `credentials` at `nowMs` with `key` (see {@linkcode assertionClaims}). */
export function createAssertion(
  credentials: ServiceAccountCredentials,
  key: CryptoKey,
  nowMs: number,
): Promise<string> {
  return signRs256(assertionClaims(credentials, nowMs), key);
}

/** How long before `exp` a token with `lifetimeMs` left is refreshed: min(5 min, 20% of it). */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60_000, Math.max(0, lifetimeMs) * 0.2);
}

/** When a token stops being served as is. Both are `Infinity` when its expiry is unknown. */
export interface TokenSchedule {
  /** From this time (ms) a background refresh starts; the token is still served. */
  refreshAt: number;
  /** From this time (ms) callers wait for the new token. */
  expireAt: number;
}

/**
 * The refresh schedule of an access token received at `receivedAt`, from its (unverified) `exp`.
 * A token without `exp`, or one already past it by the local clock (clock skew), is used until a
 * 401 says it expired.
 */
export function tokenSchedule(token: string, receivedAt: number): TokenSchedule {
  const exp = decodeJwtClaims(token)?.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp * 1000 <= receivedAt) {
    return { refreshAt: Infinity, expireAt: Infinity };
  }
  const margin = refreshMarginMs(exp * 1000 - receivedAt);
  return { refreshAt: exp * 1000 - margin, expireAt: exp * 1000 - margin / 2 };
}

/** Options of {@linkcode ServiceAccountTokenProvider}. */
export interface ServiceAccountOptions {
  /** The service account to get tokens for (from {@linkcode parseCredentials}). */
  credentials: ServiceAccountCredentials;
  /** Role ids to scope tokens to (`scope: "role:<id> …"`). @default [] */
  roles?: string[];
  /** The `fetch` used for the exchange (tests pass a fake). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Time source for assertions, token expiry and backoff sleeps. @default systemClock */
  clock?: Clock;
  /** Uniform random in [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
  /** Attempts per exchange for network errors, 408, 429 and 5xx. @default 4 */
  maxAttempts?: number;
  /** First backoff step in ms. @default 500 */
  backoffBaseMs?: number;
  /** Backoff cap in ms. @default 8000 */
  backoffCapMs?: number;
  /** Timeout of one exchange request in ms. @default 30000 */
  timeoutMs?: number;
}

interface Current extends TokenSchedule {
  token: string;
}

/** Tokens from a service account, refreshed ahead of expiry; see the module docs. */
export class ServiceAccountTokenProvider implements TokenProvider {
  readonly #o: Required<ServiceAccountOptions>;
  #key?: Promise<CryptoKey>;
  #current?: Current;
  #pending?: Promise<Current>;
  /** A background refresh of the current token failed: wait until `expireAt` to try again. */
  #backgroundFailed = false;
  /** A refusal no retry can fix (bad key, 4xx): every later call gets it without a new exchange. */
  #refused?: ConfigError;

  #exchanges = 0;

  /**
   * Creates a provider; no exchange happens until the first token is asked for. Options left out or
   * set to `undefined` take their defaults.
   *
   * @param options the credentials, the roles to scope tokens to, and retry settings.
   */
  constructor(options: ServiceAccountOptions) {
    this.#o = {
      roles: [],
      fetch: globalThis.fetch,
      clock: systemClock,
      random: Math.random,
      maxAttempts: 4,
      backoffBaseMs: 500,
      backoffCapMs: 8000,
      timeoutMs: 30_000,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      credentials: options.credentials,
    };
  }

  /** Access tokens obtained so far. */
  get exchanges(): number {
    return this.#exchanges;
  }

  /** The current token; exchanges a new one first when there is none or it is about to expire. */
  async get(signal?: AbortSignal): Promise<string> {
    const fresh = this.peek();
    if (fresh !== undefined) return fresh;
    const current = this.#current;
    if (current && this.#o.clock.now() < current.expireAt) {
      if (!this.#pending && !this.#backgroundFailed) {
        this.#refresh().catch(() => void (this.#backgroundFailed = true));
      }
      return current.token;
    }
    return (await untilAborted(this.#refresh(), signal)).token;
  }

  /** The current token while it is fresh (before its refresh time); else undefined. */
  peek(): string | undefined {
    const current = this.#current;
    return current && this.#o.clock.now() < current.refreshAt ? current.token : undefined;
  }

  /** Replaces `token` after a 401 said it expired; concurrent calls share one exchange. */
  async invalidate(token: string, signal?: AbortSignal): Promise<boolean> {
    const current = this.#current;
    if (current && current.token !== token) return true;
    await untilAborted(this.#refresh(), signal);
    return true;
  }

  /** The running exchange, or a new one. */
  #refresh(): Promise<Current> {
    if (this.#pending) return this.#pending;
    if (this.#refused) return Promise.reject(this.#refused);
    const pending = this.#exchange().then((current) => {
      this.#current = current;
      this.#backgroundFailed = false;
      return current;
    }, (error) => {
      if (error instanceof ConfigError) this.#refused = error;
      throw error;
    }).finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    pending.catch(() => {}); // callers get the rejection; a caller that aborted first must not leave it unhandled
    this.#pending = pending;
    return pending;
  }

  async #exchange(): Promise<Current> {
    const o = this.#o;
    const c = o.credentials;
    this.#key ??= importRsaPrivateKey(c.privateKey).catch((error) => {
      const why = error instanceof PrivateKeyError ? error.message : "cannot be imported";
      throw new ConfigError(`service-account credentials from ${c.origin}: field "privateKey" ${why}`);
    });
    const key = await this.#key;
    let problem = "";
    for (let attempt = 1;; attempt++) {
      const assertion = await createAssertion(c, key, o.clock.now());
      const body: Record<string, string> = { grant_type: JWT_BEARER_GRANT, assertion };
      if (o.roles.length > 0) body.scope = o.roles.map((r) => `role:${r}`).join(" ");
      const answer = await this.#post(JSON.stringify(body));
      if ("status" in answer && answer.status >= 200 && answer.status < 300) {
        return this.#accept(answer.text);
      }
      if ("status" in answer) {
        const message = errorMessage(answer.status, answer.text.replaceAll(assertion, "***"));
        problem = `HTTP ${answer.status}: ${message}`;
        if (answer.status !== 408 && answer.status !== 429 && answer.status < 500) {
          const roles = o.roles.length > 0 ? " and the --role ids" : "";
          throw new ConfigError(
            `service-account token request to ${c.tokenURI} answered ${answer.status}: ${message}; ` +
              `check the credentials from ${c.origin}${roles}`,
          );
        }
      } else {
        problem = answer.problem;
      }
      if (attempt >= o.maxAttempts) {
        throw new VaultUnavailableError(
          `could not get a service-account token from ${c.tokenURI} after ${attempt} attempts ` +
            `(last: ${problem}); run again later to resume`,
        );
      }
      await o.clock.sleep(
        backoffDelay(attempt, { baseMs: o.backoffBaseMs, capMs: o.backoffCapMs, random: o.random }),
      );
    }
  }

  /** Reads a 2xx answer: `{accessToken, tokenType}`. */
  #accept(text: string): Current {
    const json = tryJson(text) as Record<string, unknown> | undefined;
    const token = json && typeof json === "object" ? json.accessToken : undefined;
    if (typeof token !== "string" || token === "") {
      throw new ConfigError(
        `service-account token request to ${this.#o.credentials.tokenURI} answered without an accessToken; ` +
          `check "tokenURI" in ${this.#o.credentials.origin}`,
      );
    }
    this.#exchanges++;
    return { token, ...tokenSchedule(token, this.#o.clock.now()) };
  }

  /** One POST to `tokenURI`: the answer, or a description of the transport failure. */
  async #post(body: string): Promise<{ status: number; text: string } | { problem: string }> {
    const o = this.#o;
    try {
      const response = await o.fetch(o.credentials.tokenURI, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        return { problem: `no answer within ${o.timeoutMs} ms` };
      }
      if (isProtocolMismatch(errorChainText(error))) {
        const where = `"tokenURI" in ${o.credentials.origin}`;
        throw new ConfigError(
          `service-account token request to ${o.credentials.tokenURI}: ${
            protocolHint(o.credentials.tokenURI, where)
          }`,
        );
      }
      const message = error instanceof Error ? error.message : String(error);
      return { problem: `network error: ${message.replace(/\s+/g, " ").slice(0, 200)}` };
    }
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
