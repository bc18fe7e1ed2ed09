/**
 * Chooses the token provider for a load: service-account credentials when configured, else the
 * static bearer token.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import type { VaultAuth } from "../../config/settings.ts";
import { parseCredentials, ServiceAccountTokenProvider } from "./service_account.ts";
import { StaticTokenProvider, type TokenProvider } from "./token_provider.ts";

/** Collaborators of {@linkcode createTokenProvider}. */
export interface TokenFactoryDeps {
  /** The `fetch` used for the token exchange (service accounts only). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Time source for the token exchange and token expiry (service accounts only). @default systemClock */
  clock?: Clock;
  /** Uniform random in [0, 1), for the token exchange's backoff jitter. @default Math.random */
  random?: () => number;
}

/**
 * The token provider for `settings`: a {@linkcode ServiceAccountTokenProvider} when
 * `settings.credentials` is set (scoped to `settings.roles`), else a {@linkcode StaticTokenProvider}.
 *
 * @throws {ConfigError} when the credentials are not valid `credentials.json`.
 */
export function createTokenProvider(settings: VaultAuth, deps: TokenFactoryDeps = {}): TokenProvider {
  if (settings.credentials === undefined) return new StaticTokenProvider(settings.bearerToken);
  return new ServiceAccountTokenProvider({
    credentials: parseCredentials(settings.credentials, settings.credentialsOrigin ?? "the credentials"),
    roles: settings.roles,
    fetch: deps.fetch,
    clock: deps.clock ?? systemClock,
    random: deps.random,
  });
}
