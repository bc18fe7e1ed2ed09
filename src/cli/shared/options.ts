/**
 * Option parsing every command shares.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import { parseIntStrict, quote } from "../../config/rules.ts";

/**
 * A commander argument parser for an integer flag. Throws a {@linkcode ConfigError} (exit code 2),
 * which commander lets through unchanged: `--batch-size must be an integer (got "12x")`.
 *
 * @example
 * ```ts
 * import { intArg } from "./options.ts";
 *
 * intArg("--batch-size")("25"); // 25
 * ```
 */
export function intArg(flag: string): (value: string) => number {
  return (value) => {
    const n = parseIntStrict(value.trim());
    if (n === undefined) throw new ConfigError(`${flag} must be an integer (got ${quote(value)})`);
    return n;
  };
}
