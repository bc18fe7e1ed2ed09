/**
 * Finds the Skyflow bearer token: `--token` > `--token-file` > `SKYFLOW_BEARER_TOKEN` > config
 * `skyflow.bearer_token` > a hidden prompt on a terminal. The token never appears in a message.
 *
 * @module
 */
import process from "node:process";
import { ConfigError, InterruptedError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { TokenOrigin, VaultAuth } from "./settings.ts";
import type { ReadTextFile } from "./config_file.ts";
import { splitNames } from "./vault_selection.ts";

/** Asks the user for a secret without echoing it; resolves to what was typed. */
export type PromptSecret = (label: string) => Promise<string>;

/** Warning printed when the token is passed on the command line. */
export const TOKEN_FLAG_WARNING =
  "warning: --token is visible to other users in the process list; prefer SKYFLOW_BEARER_TOKEN or --token-file\n";

/** Label of the bearer-token prompt. */
export const TOKEN_PROMPT_LABEL = "Skyflow bearer token: ";

/** Message when no origin yields a token. */
export const NO_TOKEN_MESSAGE =
  "no bearer token: set SKYFLOW_BEARER_TOKEN, pass --token-file FILE, or put skyflow.bearer_token in the config";

/** Inputs of {@linkcode resolveBearerToken}. */
export interface BearerTokenInput {
  /** `--token`, when given. */
  flag?: string;
  /** `--token-file`, when given. */
  file?: string;
  /** `skyflow.bearer_token` from the config file, when set. */
  config?: string;
  /** Environment, stderr (for the `--token` warning) and whether stdin is a terminal. */
  io: Io;
  /** Reads the token file. @default Deno.readTextFile */
  readFile?: ReadTextFile;
  /** Hidden prompt, used only when stdin is a terminal. @default {@linkcode promptHidden} */
  promptSecret?: PromptSecret;
}

/** A resolved token and where it came from. */
export interface BearerToken {
  /** The secret itself: never print, log or store it. */
  token: string;
  /** Where it came from. */
  origin: TokenOrigin;
}

/**
 * Resolves the bearer token from the first origin that has one. Empty values count as absent,
 * except an explicitly given `--token ""` or an empty `--token-file`, which are errors.
 *
 * @throws {ConfigError} when no origin yields a token, or the token file is missing or empty.
 * @throws {InterruptedError} when the user cancels the prompt with Ctrl-C.
 * @example
 * ```ts ignore
 * const { token, origin } = await resolveBearerToken({ file: "token.txt", io: denoIo() });
 * ```
 */
export async function resolveBearerToken(input: BearerTokenInput): Promise<BearerToken> {
  const { io } = input;
  if (input.flag !== undefined) {
    io.stderr.write(TOKEN_FLAG_WARNING);
    const token = input.flag.trim();
    if (token === "") throw new ConfigError("--token is empty");
    return { token, origin: "flag" };
  }
  if (input.file !== undefined) {
    return { token: await readSecretFile(input.file, "--token-file", input.readFile), origin: "file" };
  }
  const env = io.env("SKYFLOW_BEARER_TOKEN")?.trim();
  if (env) return { token: env, origin: "env" };
  const config = input.config?.trim();
  if (config) return { token: config, origin: "config" };
  if (io.stdinIsTerminal) {
    const answer = (await (input.promptSecret ?? promptHidden)(TOKEN_PROMPT_LABEL)).trim();
    if (answer) return { token: answer, origin: "prompt" };
  }
  throw new ConfigError(NO_TOKEN_MESSAGE);
}

/**
 * Reads a secret from a file, trimmed of surrounding whitespace (a trailing newline is usual).
 *
 * @param path the file.
 * @param what the setting, for messages (e.g. `--token-file`).
 * @param readFile @default Deno.readTextFile
 * @throws {ConfigError} when the file is missing, unreadable or empty; the message names `what` and the path, never the content.
 * @example
 * ```ts
 * const token = await readSecretFile("/run/secrets/skyflow", "--token-file");
 * ```
 */
export async function readSecretFile(
  path: string,
  what: string,
  readFile: ReadTextFile = Deno.readTextFile,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "not found"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "is a directory"
      : "cannot be read";
    throw new ConfigError(`${what} "${path}": ${why}`, { cause: error });
  }
  const secret = text.trim();
  if (secret === "") throw new ConfigError(`${what} "${path}" is empty`);
  return secret;
}

/**
 * Prompts on the terminal with `@inquirer/password`, echoing `*` per character. The prompt is drawn
 * on stderr so stdout stays clean for data.
 *
 * @throws {InterruptedError} when the user presses Ctrl-C.
 * @example
 * ```ts
 * const token = await promptHidden("Skyflow bearer token: ");
 * ```
 */
export async function promptHidden(label: string): Promise<string> {
  const { default: password } = await import("@inquirer/password");
  try {
    return await password({ message: label, mask: "*" }, { output: process.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === "ExitPromptError") throw new InterruptedError("SIGINT");
    throw error;
  }
}

/**
 * Service-account credentials: `--credentials FILE` > `SKYFLOW_CREDENTIALS` (a path or the JSON
 * itself) > `skyflow.credentials_file`. Returns the JSON text (a secret) and where it came from.
 */
export async function resolveCredentials(
  flags: { credentials?: string },
  io: Io,
  configFile: string | undefined,
  readFile: ReadTextFile,
): Promise<{ text: string; origin: string } | undefined> {
  if (flags.credentials !== undefined) {
    return {
      text: await readSecretFile(flags.credentials, "--credentials", readFile),
      origin: flags.credentials,
    };
  }
  const env = io.env("SKYFLOW_CREDENTIALS")?.trim();
  if (env) {
    if (env.startsWith("{")) return { text: env, origin: "SKYFLOW_CREDENTIALS" };
    return { text: await readSecretFile(env, "SKYFLOW_CREDENTIALS", readFile), origin: env };
  }
  if (configFile) {
    return {
      text: await readSecretFile(configFile, "skyflow.credentials_file", readFile),
      origin: configFile,
    };
  }
  return undefined;
}

/** Inputs of {@linkcode resolveVaultAuth}. */
export interface VaultAuthInput {
  /** `--token`, `--token-file`, `--credentials` and `--role` (comma-separated role ids), when given. */
  flags: { token?: string; tokenFile?: string; credentials?: string; role?: string };
  /** Environment, stderr (for the `--token` warning) and whether stdin is a terminal. */
  io: Io;
  /** The config file's `skyflow` section. */
  config: { bearerToken?: string; credentialsFile?: string; roles?: string };
  /** Reads the token and credentials files. @default Deno.readTextFile */
  readFile?: ReadTextFile;
  /** Hidden prompt, used only when stdin is a terminal. @default {@linkcode promptHidden} */
  promptSecret?: PromptSecret;
}

/**
 * Service-account credentials when configured (and no explicit token flag), else the bearer token
 * in its usual order; plus the role ids. Prompts only when nothing else supplies a secret.
 */
export async function resolveVaultAuth(input: VaultAuthInput): Promise<VaultAuth> {
  const { flags, io, config } = input;
  const readFile = input.readFile ?? Deno.readTextFile;
  const roles = splitNames(flags.role ?? config.roles ?? "");
  // a token flag wins over credentials: they are not even read then
  const tokenFlag = flags.token !== undefined || flags.tokenFile !== undefined;
  const credentials = tokenFlag
    ? undefined
    : await resolveCredentials(flags, io, config.credentialsFile, readFile);
  if (credentials) {
    return {
      bearerToken: "",
      tokenOrigin: "credentials",
      credentials: credentials.text,
      credentialsOrigin: credentials.origin,
      roles,
    };
  }
  const token = await resolveBearerToken({
    flag: flags.token,
    file: flags.tokenFile,
    config: config.bearerToken,
    io,
    readFile,
    promptSecret: input.promptSecret,
  });
  return { bearerToken: token.token, tokenOrigin: token.origin, roles };
}
