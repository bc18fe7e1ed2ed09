/**
 * Accepts the Go loader's command lines. Go's `flag` package takes long flags with one dash
 * (`-source csv`, `-batch-size=300`); commander wants two. This rewrites them before parsing.
 *
 * @module
 */

const LEGACY_FLAG = /^-([A-Za-z][A-Za-z0-9-]+)(=[\s\S]*)?$/;

/**
 * Rewrites single-dash long flags whose name is in `longNames` to the double-dash form:
 * `-source csv` → `--source csv`, `-batch-size=300` → `--batch-size=300`. Go's boolean forms
 * `-upsert=true` / `-upsert=false` become `--upsert` / `--no-upsert` when `no-upsert` is a known
 * name. Left untouched: single-letter flags (`-h`, `-V`), negative numbers (`-5`), names not in
 * `longNames`, arguments that already have two dashes, and everything after `--`.
 *
 * @param argv the arguments after the program name.
 * @param longNames option long names without dashes (e.g. `LOAD_LONG_NAMES`).
 * @example
 * ```ts
 * normalizeLegacyArgv(["load", "-source", "csv", "-concurrency=64"], ["source", "concurrency"]);
 * // ["load", "--source", "csv", "--concurrency=64"]
 * ```
 */
export function normalizeLegacyArgv(argv: readonly string[], longNames: readonly string[]): string[] {
  const known = new Set(longNames);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const match = LEGACY_FLAG.exec(arg);
    if (!match || !known.has(match[1])) {
      out.push(arg);
      continue;
    }
    const [, name, assigned] = match;
    const negatable = known.has(`no-${name}`);
    if (negatable && (assigned === "=true" || assigned === "=false")) {
      out.push(assigned === "=true" ? `--${name}` : `--no-${name}`);
    } else {
      out.push(`--${name}${assigned ?? ""}`);
    }
  }
  return out;
}
