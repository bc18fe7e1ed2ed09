/**
 * What byot shows of secrets and PII: masked values, messages with the values masked, and command
 * lines with secret flag values replaced. The secret flags are listed once here.
 *
 * @module
 */

/** What every masked value and token shows: the same five dots whatever the value. */
export const MASK = "•••••";

/**
 * A masked value: {@linkcode MASK}, which reveals nothing of the value — no character, no length,
 * no hash (a short hash of an SSN or a date of birth is reversed by trying every candidate).
 * `null` (purged) shows as `(purged)`.
 *
 * @example
 * ```ts
 * import { maskValue } from "./redact.ts";
 *
 * maskValue("JOHN SMITH"); // "•••••"
 * maskValue(null); // "(purged)"
 * ```
 */
export function maskValue(value: string | null): string {
  return value === null ? "(purged)" : MASK;
}

/** `message` with every occurrence of the failure's value and token masked. */
export function redactMessage(message: string, f: { value: string | null; token: string | null }): string {
  let out = message;
  for (const secret of [f.value, f.token]) {
    if (secret) out = out.split(secret).join(maskValue(secret));
  }
  return out;
}

/** The flags whose value is a secret (long names; the legacy single-dash spelling counts too). */
export const SECRET_FLAGS: ReadonlySet<string> = new Set(["--token", "--sf-password"]);

/** True when `name` (`--token`, legacy `-token`) is one of {@linkcode SECRET_FLAGS}. */
export function isSecretFlag(name: string): boolean {
  return SECRET_FLAGS.has(name.startsWith("--") ? name : `-${name}`);
}

/** The command line with secret flag values replaced by `***`. */
export function redactArgv(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    if (eq > 0 && isSecretFlag(arg.slice(0, eq))) out.push(`${arg.slice(0, eq)}=***`);
    else if (isSecretFlag(arg)) {
      out.push(arg, "***");
      i++;
    } else if (arg !== "--restart" && arg !== "--resume") {
      out.push(/[\s"'$]/.test(arg) ? JSON.stringify(arg) : arg);
    }
  }
  return out.join(" ");
}
