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

/**
 * The Go loader's `-generate N` (documented in its README, gone from its code) as byot's
 * `generate N`: `-data-dir DIR` becomes `--out DIR` (default `data`, the Go generator's), other
 * flags are dropped and named in the note. Undefined when `argv` has no `-generate`.
 *
 * @param argv the arguments after the program name.
 * @example
 * ```ts
 * legacyGenerate(["-generate", "200", "-data-dir", "x"]);
 * // { args: ["generate", "200", "--out", "x"], note: "note: -generate N is now byot generate N --out x ..." }
 * ```
 */
export function legacyGenerate(argv: readonly string[]): { args: string[]; note: string } | undefined {
  if (argv[0] !== "load" && !argv[0]?.startsWith("-")) return undefined;
  const rest = argv[0] === "load" ? argv.slice(1) : [...argv];
  let count: string | undefined;
  let out = "data";
  const dropped: string[] = [];
  let found = false;
  for (let i = 0; i < rest.length; i++) {
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(rest[i]);
    const name = match?.[1];
    const value = () => match![2] ?? rest[++i];
    if (name === "generate") {
      found = true;
      count = value();
    } else if (name === "data-dir") out = value() ?? out;
    else dropped.push(rest[i]);
  }
  if (!found) return undefined;
  const args = ["generate", count ?? "", "--out", out];
  const ignored = dropped.length > 0 ? ` (ignored here: ${dropped.join(" ")})` : "";
  return {
    args,
    note: `note: -generate N is now its own command: byot generate ${count ?? "N"} --out ${out}; ` +
      `then load with byot load --data-dir ${out}${ignored}\n`,
  };
}
