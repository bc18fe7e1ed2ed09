/**
 * The closed hierarchy of byot errors. Each class carries the process exit code the CLI uses when
 * the error ends a command, so the mapping lives in one place.
 *
 * | Class                     | Exit | Meaning                                                     |
 * |---------------------------|------|-------------------------------------------------------------|
 * | `ByotError`               | 1    | anything unexpected                                         |
 * | `ConfigError`             | 2    | usage, flags, config file, credentials, 401/403/404 vault   |
 * | `SourceError`             | 2    | unreadable or malformed input, refused resume (75: a        |
 * |                           |      | Snowflake result download failed mid-read; re-run)          |
 * | `VaultHttpError`          | 3    | a definite rejection of a request or record by the vault    |
 * | `UnknownOutcomeError`     | 75   | timeout or reset after the body was sent; may be applied    |
 * | `VaultUnavailableError`   | 75   | the vault kept failing transiently: stop, resume later      |
 * | `CheckpointError`         | 1    | the ledger is unreadable or inconsistent                    |
 * | `InterruptedError`        | 130  | stopped by a signal (143 for SIGTERM)                       |
 *
 * @module
 */

/** Exit codes byot documents in its README. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  someFailed: 3,
  tempFail: 75,
  interrupted: 130,
  terminated: 143,
} as const;

/** Options shared by every byot error. */
export interface ByotErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Overrides the class's exit code. */
  exitCode?: number;
}

/** Base class: an unexpected failure. Exit code 1. */
export class ByotError extends Error {
  /** Process exit code when this error ends a command. */
  readonly exitCode: number;
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 1.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ByotError";
    this.exitCode = options.exitCode ?? ExitCode.internal;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Usage, flag or configuration problem, including missing credentials. Exit code 2. */
export class ConfigError extends ByotError {
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 2.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { exitCode: ExitCode.usage, ...options });
    this.name = "ConfigError";
  }
}

/** Input that cannot be read or does not have the expected shape. Exit code 2. */
export class SourceError extends ByotError {
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 2.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { exitCode: ExitCode.usage, ...options });
    this.name = "SourceError";
  }
}

/** Fields of a {@linkcode VaultHttpError}. */
export interface VaultHttpErrorInit extends ByotErrorOptions {
  /** HTTP status of the answer. */
  status: number;
  /** The vault's `X-Request-Id`, when it sent one. */
  requestId?: string;
  /** The vault's message, extracted from its error envelope (never a record value). */
  vaultMessage?: string;
}

/** A definite answer from the vault rejecting a request. Exit code 3 when it ends a run. */
export class VaultHttpError extends ByotError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The vault's `X-Request-Id`; undefined when the answer had none. */
  readonly requestId?: string;
  /** The vault's message from its error envelope (never a record value); undefined when there was none. */
  readonly vaultMessage?: string;
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param init the answer's status, request id and message, the cause, and an exit code replacing
   *   the default 3.
   */
  constructor(message: string, init: VaultHttpErrorInit) {
    super(message, { exitCode: ExitCode.someFailed, ...init });
    this.name = "VaultHttpError";
    this.status = init.status;
    this.requestId = init.requestId;
    this.vaultMessage = init.vaultMessage;
  }
}

/** The request was sent but no answer came back: the vault may have applied it. Exit code 75. */
export class UnknownOutcomeError extends ByotError {
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 75.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { exitCode: ExitCode.tempFail, ...options });
    this.name = "UnknownOutcomeError";
  }
}

/**
 * The vault failed transiently (network, 408, 429, 5xx) for several batches in a row, each after its
 * whole retry budget: the run stops so it can be resumed later instead of marking records failed.
 * Exit code 75.
 */
export class VaultUnavailableError extends ByotError {
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 75.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { exitCode: ExitCode.tempFail, ...options });
    this.name = "VaultUnavailableError";
  }
}

/** The checkpoint ledger is unreadable or inconsistent. Exit code 1. */
export class CheckpointError extends ByotError {
  /**
   * Creates the error.
   *
   * @param message what went wrong, shown to the user.
   * @param options the cause, and an exit code replacing the default 1.
   */
  constructor(message: string, options: ByotErrorOptions = {}) {
    super(message, { exitCode: ExitCode.internal, ...options });
    this.name = "CheckpointError";
  }
}

/** The run was stopped by a signal. Exit code 130 (SIGINT) or 143 (SIGTERM). */
export class InterruptedError extends ByotError {
  /** The signal that stopped the run. */
  readonly signal: "SIGINT" | "SIGTERM";
  /**
   * Creates the error; its exit code is 143 for `SIGTERM`, else 130.
   *
   * @param signal the signal received.
   * @param message what to show; defaults to `interrupted by <signal>`.
   */
  constructor(signal: "SIGINT" | "SIGTERM", message = `interrupted by ${signal}`) {
    super(message, { exitCode: signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted });
    this.name = "InterruptedError";
    this.signal = signal;
  }
}

/** Exit code for any thrown value: a byot error's own code, otherwise 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ByotError ? error.exitCode : ExitCode.internal;
}

/** True for errors caused by the user's input or environment, which are reported without a stack. */
export function isUserError(error: unknown): boolean {
  return error instanceof ConfigError || error instanceof SourceError ||
    error instanceof InterruptedError;
}
