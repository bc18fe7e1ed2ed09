/**
 * What every command builder shares with `main()`.
 *
 * @module
 */

/** Where a command leaves its exit code (commander actions cannot return one). */
export interface CommandResult {
  /** The exit code; the caller starts it at 0 and the command's action sets it. */
  code: number;
}
