/**
 * The vault client: one logical request with its retries. It decides what is transient (network,
 * 408, 429, 5xx), waits at the vault's shared 429 gate, honours `Retry-After`, refreshes an expired
 * token once, and stops the run on answers no retry can fix (401, 403, 404).
 *
 * @module
 */
import { type Clock, systemClock } from "../common/clock.ts";
import { ConfigError } from "../common/errors.ts";
import { nullObserver, type RequestKind, type RetryReason, type VaultObserver } from "../common/types.ts";
import { backoffDelay, PauseGate } from "./backoff.ts";
import { configRejection, errorChainText, isProtocolMismatch, protocolHint } from "./config_rejection.ts";
import { errorMessage, isExpiredTokenMessage, parseRetryAfter } from "./envelope.ts";
import { type HttpAnswer, httpExchange, TransportError } from "./http.ts";
import type { TokenProvider } from "./auth/token_provider.ts";
import { vaultFetch } from "./vault_fetch.ts";

/** Options of {@linkcode VaultClient}. */
export interface VaultClientOptions {
  /** Base URL of the vault API, without trailing slash. */
  vaultUrl: string;
  /** Vault name, for messages and metrics. */
  vaultName: string;
  /** Where bearer tokens come from; asked again once after a 401 says the token expired. */
  tokens: TokenProvider;
  /** Attempts per request for transient errors. @default 8 */
  maxAttempts?: number;
  /** Per-request timeout in ms. @default 60000 */
  timeoutMs?: number;
  /** First backoff step in ms. @default 250 */
  backoffBaseMs?: number;
  /** Backoff cap in ms. @default 30000 */
  backoffCapMs?: number;
  /** Shared 429 gate of this vault. @default a new gate */
  gate?: PauseGate;
  /**
   * Requests-per-second bucket of this vault (`--max-rps`, `--concurrency auto`), taken before every
   * attempt, after the gate. @default none
   */
  rate?: { acquire(signal?: AbortSignal): Promise<void>; tryAcquire?(): boolean };
  /** Time source for backoff sleeps, `Retry-After` dates and latencies. @default systemClock */
  clock?: Clock;
  /** Uniform random in [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
  /** The `fetch` used for requests (tests pass a fake). @default vaultFetch */
  fetch?: typeof fetch;
  /** Receives request and retry events for metrics. @default nullObserver */
  observer?: VaultObserver;
}

/** The outcome of a request after retries. */
export type Attempted =
  | {
    kind: "answer";
    /** A 2xx answer or a definite 4xx rejection. */
    answer: HttpAnswer;
    requests: number;
    /** True when an earlier attempt may have been applied (timeout, reset, 408, 5xx). */
    ambiguous: boolean;
  }
  | {
    kind: "exhausted";
    /** Status of the last answer, 0 for a transport failure. */
    status: number;
    message: string;
    requestId?: string;
    requests: number;
    ambiguous: boolean;
  };

/** A vault request: method, path below the vault URL, JSON body and how many records it carries. */
export interface VaultRequest {
  /** What the request does, for metrics; a 404 stops the run only for `insert` and `batch`. */
  kind: RequestKind;
  /** HTTP method. */
  method: "GET" | "POST" | "DELETE";
  /** Path appended to the vault URL, starting with `/` (e.g. `/v1/vaults/<id>/<table>`). */
  path: string;
  /** JSON text, or its UTF-8 bytes (Insert and Batch bodies are written as bytes: `payload.ts`). */
  body?: string | Uint8Array;
  /** Records the request carries, reported to the observer. */
  records: number;
  /**
   * Return a 403 or 404 as an answer instead of stopping the run: for read-backs, where a refusal
   * has a fallback and 404 means "not stored". @default false
   */
  refusalIsAnswer?: boolean;
}

/** Sends requests to one vault with retries. */
export class VaultClient {
  /** The vault's shared 429 gate: the one from the options, or this client's own. */
  readonly gate: PauseGate;
  readonly #o: Required<Omit<VaultClientOptions, "gate" | "rate">> & Pick<VaultClientOptions, "rate">;

  /**
   * Creates a client; options left out or set to `undefined` take their defaults.
   *
   * @param options the vault, its token provider, and retry and timeout settings.
   */
  constructor(options: VaultClientOptions) {
    const clock = options.clock ?? systemClock;
    this.gate = options.gate ?? new PauseGate(clock);
    this.#o = {
      maxAttempts: 8,
      timeoutMs: 60_000,
      backoffBaseMs: 250,
      backoffCapMs: 30_000,
      random: Math.random,
      fetch: vaultFetch,
      observer: nullObserver,
      ...withoutUndefined(options),
      clock,
    };
  }

  /** Backoff delay in ms for the given retry (1 = first), with this client's settings. */
  backoff(retry: number): number {
    const o = this.#o;
    return backoffDelay(retry, { baseMs: o.backoffBaseMs, capMs: o.backoffCapMs, random: o.random });
  }

  /** Attempts per request. */
  get maxAttempts(): number {
    return this.#o.maxAttempts;
  }

  /**
   * Sends `request`, retrying transient failures. Throws {@linkcode ConfigError} for 401 (after one
   * refresh), 403 and, on data requests, 404 (unless `request.refusalIsAnswer`); rethrows the
   * signal's reason when it aborts.
   */
  async send(request: VaultRequest, signal?: AbortSignal): Promise<Attempted> {
    const o = this.#o;
    let ambiguous = false;
    let requests = 0;
    let refreshed = false;
    for (let attempt = 1;; attempt++) {
      // the usual case (gate open, a rate token free, a fresh bearer token) takes no promise hop
      if (!this.#admitNow()) await this.#admit(signal);
      const token = o.tokens.peek?.() ?? await o.tokens.get(signal);
      requests++;
      let answer: HttpAnswer;
      try {
        answer = await httpExchange({
          method: request.method,
          url: `${o.vaultUrl}${request.path}`,
          bearerToken: token,
          body: request.body,
          timeoutMs: o.timeoutMs,
          signal,
          fetch: o.fetch,
          clock: o.clock,
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (isProtocolMismatch(errorChainText(error))) {
          throw new ConfigError(
            `vault ${o.vaultName}: ${error.message}; ${protocolHint(o.vaultUrl)}`,
            { cause: error },
          );
        }
        o.observer.request({
          vault: o.vaultName,
          kind: request.kind,
          status: 0,
          latencyMs: error.latencyMs,
          records: request.records,
        });
        ambiguous ||= error.maybeApplied;
        if (attempt >= o.maxAttempts) {
          return { kind: "exhausted", status: 0, message: error.message, requests, ambiguous };
        }
        await this.#pause(error.timedOut ? "timeout" : "network", this.backoff(attempt), false, signal);
        continue;
      }
      o.observer.request({
        vault: o.vaultName,
        kind: request.kind,
        status: answer.status,
        latencyMs: answer.latencyMs,
        records: request.records,
      });
      const status = answer.status;
      const rejected = request.kind === "insert" || request.kind === "batch"
        ? configRejection(status, answer.body)
        : undefined;
      if (rejected !== undefined) throw this.#fatal(answer, rejected, request.kind, undefined, true);
      if (status >= 200 && status < 300) return { kind: "answer", answer, requests, ambiguous };
      if (status === 401) {
        const message = errorMessage(status, answer.body);
        const expired = isExpiredTokenMessage(message);
        if (!refreshed && expired && await o.tokens.invalidate(token, signal)) {
          refreshed = true;
          attempt--;
          continue;
        }
        throw this.#fatal(
          answer,
          message,
          request.kind,
          expired ? (refreshed ? "refreshed" : "static") : undefined,
        );
      }
      if (request.refusalIsAnswer && (status === 403 || status === 404)) {
        return { kind: "answer", answer, requests, ambiguous };
      }
      if (status === 403 || (status === 404 && (request.kind === "insert" || request.kind === "batch"))) {
        throw this.#fatal(answer, errorMessage(status, answer.body), request.kind);
      }
      if (status === 429 || status === 408 || status >= 500) {
        if (status !== 429) ambiguous = true;
        if (attempt >= o.maxAttempts) {
          return {
            kind: "exhausted",
            status,
            message: errorMessage(status, answer.body),
            requestId: answer.requestId,
            requests,
            ambiguous,
          };
        }
        const retryAfter = parseRetryAfter(answer.retryAfter, o.clock.now());
        const delay = Math.min(retryAfter ?? this.backoff(attempt), Math.max(o.backoffCapMs, 60_000));
        const reason: RetryReason = status === 429 ? "429" : status === 408 ? "408" : "5xx";
        await this.#pause(reason, delay, status === 429 || retryAfter !== undefined, signal);
        continue;
      }
      return { kind: "answer", answer, requests, ambiguous };
    }
  }

  /** True when a request may go now (gate open, rate token taken); false: call {@linkcode #admit}. */
  #admitNow(): boolean {
    if (!this.gate.isOpen) return false;
    return this.#o.rate?.tryAcquire?.() ?? this.#o.rate === undefined;
  }

  /** Waits at the gate, then for a rate token; waits again if a 429 closed the gate meanwhile. */
  async #admit(signal?: AbortSignal): Promise<void> {
    while (true) {
      await this.gate.wait(signal);
      if (!this.#o.rate) return;
      await this.#o.rate.acquire(signal);
      if (this.gate.isOpen) return;
    }
  }

  async #pause(reason: RetryReason, delayMs: number, shared: boolean, signal?: AbortSignal): Promise<void> {
    this.#o.observer.retry({ vault: this.#o.vaultName, reason, delayMs });
    if (shared) {
      this.gate.close(delayMs);
      await this.gate.wait(signal);
    } else {
      await this.#o.clock.sleep(delayMs, signal);
    }
  }

  /**
   * The error that stops the run. `expired` says a 401 was about an expired token that could not
   * be refreshed (`static`) or that was refused again right after a refresh (`refreshed`).
   */
  #fatal(
    answer: HttpAnswer,
    message: string,
    kind: RequestKind,
    expired?: "static" | "refreshed",
    setup = false,
  ): ConfigError {
    const id = answer.requestId ? ` (request id ${answer.requestId})` : "";
    const hint = setup
      ? "the vault has no such table or column: fix the vault's table and column in the config " +
        "(`byot check` verifies them without sending a record), then run the same command again; the " +
        "records of this run stay unsettled and are sent then"
      : expired === "static"
      ? "the bearer token expired and byot cannot refresh a static token: supply service-account " +
        "credentials (--credentials FILE or SKYFLOW_CREDENTIALS) and run the same command again to resume"
      : expired === "refreshed"
      ? "the vault refused a freshly issued token as expired too; check this machine's clock, then run " +
        "the same command again to resume"
      : answer.status === 401
      ? "check the bearer token or supply fresh credentials"
      : answer.status === 403
      ? `the token's role may not ${
        kind === "insert" || kind === "batch"
          ? "insert into"
          : kind === "delete"
          ? "delete from"
          : "read from"
      } this vault`
      : "check the vault URL, vault id and table in the config";
    return new ConfigError(
      `vault ${this.#o.vaultName} answered ${answer.status}: ${message}${id}; ${hint}`,
    );
  }
}

/** `options` without the fields set to `undefined`, so spreading it keeps the defaults. */
function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
