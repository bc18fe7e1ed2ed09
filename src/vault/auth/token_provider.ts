/**
 * Where the vault client gets its bearer token. A static token (env, file, config, prompt) cannot be
 * refreshed; a service-account provider can.
 *
 * @module
 */

/** Supplies bearer tokens to the vault client. */
export interface TokenProvider {
  /** The current token. */
  get(signal?: AbortSignal): Promise<string>;
  /** The current token when it can be used now without an exchange; else undefined (then `get`). */
  peek?(): string | undefined;
  /**
   * Called after a 401 saying `token` expired. Returns true when a fresh token is now available
   * (the request is then retried once), false when the provider cannot refresh.
   */
  invalidate(token: string, signal?: AbortSignal): Promise<boolean>;
}

/** A fixed token that cannot be refreshed. */
export class StaticTokenProvider implements TokenProvider {
  readonly #token: string;
  /**
   * Creates a provider that always returns `token`.
   *
   * @param token the bearer token.
   */
  constructor(token: string) {
    this.#token = token;
  }
  get(): Promise<string> {
    return Promise.resolve(this.#token);
  }
  peek(): string {
    return this.#token;
  }
  invalidate(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
