/**
 * Logging in to Snowflake with the official driver (`npm:snowflake-sdk`), imported lazily so CSV
 * runs never load it (~50 MB, ~0.5 s).
 *
 * Auth methods (`snowflake.authenticator`, case-insensitive):
 * - empty or `snowflake`: password (driver `authenticator: "SNOWFLAKE"`, `username`, `password`);
 * - `programmatic_access_token`: driver `authenticator: "PROGRAMMATIC_ACCESS_TOKEN"` with `token`
 *   (`snowflake.token`, else the password, as the driver itself falls back);
 * - `snowflake_jwt`: key pair (driver `privateKeyPath`, `privateKeyPass`).
 *
 * Driver behaviour byot relies on or works around (snowflake-sdk 3.3.0):
 * - `connectAsync()` resolves even when login fails, so `connect(cb)` is wrapped in a Promise.
 * - Values fetched as strings turn NULL into the string `"NULL"` unless
 *   `representNullAsStringNull: false` (a process-wide driver setting, set on every connection).
 * - Loading the driver probes cloud metadata endpoints (EC2/Azure/GCE, AWS STS) for telemetry;
 *   byot sets `SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true` first unless the user set it.
 * - The driver's log goes to a custom logger (never `./snowflake.log` or the console).
 *
 * @module
 */
import type * as Sdk from "snowflake-sdk";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ConfigError, SourceError } from "../../common/errors.ts";
import type { SnowflakeSettings } from "../../config/settings.ts";
import { type AuthMethod, authMethodOf, snowflakeAccessToken } from "../../config/snowflake_settings.ts";

export { type AuthMethod, authMethodOf };

/** The driver's module. */
export type SnowflakeSdk = typeof Sdk;
/** A driver connection. */
export type SnowflakeConnection = Sdk.Connection;

/** Options of {@linkcode connectSnowflake}. */
export interface ConnectOptions {
  /** Directory for the driver's `snowflake.log` (ERROR lines only). @default none: dropped */
  logDir?: string;
  /** Per-request timeout of the driver, in ms. @default 60000 */
  timeoutMs?: number;
  /** Login retries after a network failure (a rejected login is never retried). @default 1 */
  loginRetries?: number;
  /** Result chunks the driver downloads ahead of the reader. @default 2 */
  resultPrefetch?: number;
  /** Rows the driver's row stream buffers before it pauses. @default 1000 */
  rowBuffer?: number;
  /** Keep the session alive with heartbeats (long loads outlive the 4-hour master token). @default true */
  keepAlive?: boolean;
}

let sdkPromise: Promise<SnowflakeSdk> | undefined;

/** Imports the driver once. */
export function loadSnowflakeSdk(): Promise<SnowflakeSdk> {
  sdkPromise ??= (async () => {
    if (process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION === undefined) {
      process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = "true";
    }
    const mod = await import("snowflake-sdk") as unknown as { default?: SnowflakeSdk };
    return mod.default ?? (mod as unknown as SnowflakeSdk);
  })();
  sdkPromise.catch(() => sdkPromise = undefined);
  return sdkPromise;
}

/**
 * The driver's connection options for the settings (pure; no file or network access).
 *
 * @throws {ConfigError} when a required setting for the auth method is missing.
 */
export function connectionOptions(
  settings: SnowflakeSettings,
  options: ConnectOptions = {},
): Sdk.ConnectionOptions {
  const method = authMethodOf(settings);
  const missing = (what: string) =>
    new ConfigError(`Snowflake ${method.replaceAll("_", " ")} login needs ${what}`);
  if (!settings.user) throw missing("a user (snowflake.user / SNOWFLAKE_USER)");
  if (!settings.account && !settings.accessUrl) {
    throw missing("an account (snowflake.account / SNOWFLAKE_ACCOUNT)");
  }
  const auth: Record<string, string> = {};
  if (method === "password") {
    if (!settings.password) throw missing("a password (SNOWFLAKE_PASSWORD or the prompt)");
    Object.assign(auth, { authenticator: "SNOWFLAKE", password: settings.password });
  } else if (method === "programmatic_access_token") {
    const token = snowflakeAccessToken(settings);
    if (!token) throw missing("a token (snowflake.token / SNOWFLAKE_TOKEN)");
    Object.assign(auth, { authenticator: "PROGRAMMATIC_ACCESS_TOKEN", token });
  } else {
    if (!settings.privateKeyPath) throw missing("a private key (snowflake.private_key_path)");
    Object.assign(auth, { authenticator: "SNOWFLAKE_JWT", privateKeyPath: settings.privateKeyPath });
    if (settings.privateKeyPassphrase) auth.privateKeyPass = settings.privateKeyPassphrase;
  }
  const out: Record<string, unknown> = {
    ...auth,
    username: settings.user,
    application: "byot",
    timeout: options.timeoutMs ?? 60_000,
    sfRetryMaxLoginRetries: options.loginRetries ?? 1,
    resultPrefetch: options.resultPrefetch ?? 2,
    rowStreamHighWaterMark: options.rowBuffer ?? 1000,
    clientSessionKeepAlive: options.keepAlive ?? true,
    representNullAsStringNull: false,
  };
  for (const key of ["account", "accessUrl", "warehouse", "database", "schema", "role"] as const) {
    if (settings[key]) out[key] = settings[key];
  }
  return out as Sdk.ConnectionOptions;
}

/** Who is logging in where, for messages: `user "U" on account "A"`. */
export function loginLabel(settings: SnowflakeSettings): string {
  const where = settings.account ? `account "${settings.account}"` : `${settings.accessUrl}`;
  return `user "${settings.user ?? ""}" on ${where}`;
}

/** Removes every secret of the settings from a text. */
export function scrubSecrets(text: string, settings: SnowflakeSettings): string {
  let out = text;
  for (const secret of [settings.password, settings.token, settings.privateKeyPassphrase]) {
    if (secret && secret.length >= 3) out = out.split(secret).join("***");
  }
  return out.replace(/\s+/g, " ").trim();
}

function errorText(error: unknown): { code?: string; message: string; sqlState?: string } {
  const e = error as { code?: unknown; message?: unknown; sqlState?: unknown } | undefined;
  return {
    code: e?.code === undefined || e.code === null ? undefined : String(e.code),
    message: typeof e?.message === "string" ? e.message : String(error),
    sqlState: typeof e?.sqlState === "string" ? e.sqlState : undefined,
  };
}

/**
 * A login failure as one line: `Snowflake login failed for user "u" on account "a": <reason>
 * (code 390100)`. Never contains a password, token or passphrase.
 */
export function loginError(error: unknown, settings: SnowflakeSettings): ConfigError {
  const { code, message } = errorText(error);
  const reason = scrubSecrets(message, settings) || "unknown error";
  const local = code === undefined || code.startsWith("ERR_OSSL");
  if (local && settings.privateKeyPath && /^SNOWFLAKE_JWT$/i.test(settings.authenticator?.trim() ?? "")) {
    return new ConfigError(
      `Snowflake private key ${settings.privateKeyPath} cannot be used (wrong or missing passphrase, ` +
        `or not a PEM private key): ${reason}`,
    );
  }
  const suffix = code ? ` (code ${code})` : "";
  return new ConfigError(`Snowflake login failed for ${loginLabel(settings)}: ${reason}${suffix}`);
}

/** A failed statement as a {@linkcode SourceError}: `<what> failed: 002003 (02000): <message>`. */
export function sqlError(error: unknown, what: string): SourceError & { code?: string; sqlState?: string } {
  const { code, message, sqlState } = errorText(error);
  const head = code ? `${code}${sqlState ? ` (${sqlState})` : ""}: ` : "";
  const out = new SourceError(`${what} failed: ${head}${message.replace(/\s+/g, " ").trim()}`) as
    & SourceError
    & { code?: string; sqlState?: string };
  out.code = code;
  out.sqlState = sqlState;
  return out;
}

function driverLogger(logDir: string | undefined): Sdk.SnowflakeLogger {
  const drop = () => {};
  const write = logDir === undefined ? drop : (message: string) => {
    try {
      appendFileSync(join(logDir, "snowflake.log"), `${new Date().toISOString()} ERROR ${message}\n`, {
        mode: 0o600,
      });
    } catch {
      // the driver's log is best effort
    }
  };
  return { error: write, warn: drop, info: drop, debug: drop, trace: drop };
}

/**
 * Loads the driver, logs in and returns the connection. Destroy it with
 * {@linkcode destroyConnection}.
 *
 * @throws {ConfigError} when the settings are incomplete, the driver cannot load or lacks a
 *   permission, the private key cannot be read, or Snowflake rejects the login or cannot be reached
 *   (one line naming user and account, no secret).
 */
export async function connectSnowflake(
  settings: SnowflakeSettings,
  options: ConnectOptions = {},
): Promise<SnowflakeConnection> {
  const driverOptions = connectionOptions(settings, options);
  if (settings.privateKeyPath && authMethodOf(settings) === "key_pair") {
    try {
      await Deno.readFile(settings.privateKeyPath);
    } catch (error) {
      const what = error instanceof Deno.errors.NotFound ? "file not found" : "cannot read file";
      throw new ConfigError(`Snowflake private key: ${what}: ${settings.privateKeyPath}`, { cause: error });
    }
  }
  let sdk: SnowflakeSdk;
  try {
    sdk = await loadSnowflakeSdk();
    sdk.configure({
      logLevel: "ERROR",
      customLogger: driverLogger(options.logDir),
      additionalLogToConsole: false,
    });
  } catch (error) {
    throw new ConfigError(`cannot load the Snowflake driver: ${errorText(error).message}`, { cause: error });
  }
  let connection: SnowflakeConnection;
  try {
    connection = sdk.createConnection(driverOptions);
  } catch (error) {
    // also a missing permission (e.g. a binary compiled without --allow-sys: the driver reads OS facts)
    throw loginError(error, settings);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      connection.connect((error) => error ? reject(error) : resolve());
    });
  } catch (error) {
    await destroyConnection(connection);
    throw loginError(error, settings);
  }
  return connection;
}

/** Logs out and releases the connection's sockets and timers. Never throws. */
export function destroyConnection(connection: SnowflakeConnection): Promise<void> {
  return new Promise((resolve) => {
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}
