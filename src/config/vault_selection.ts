/**
 * Turns the config's `skyflow.vaults` and the `--vault` flag into the list of vaults to load.
 *
 * @module
 */
import type { VaultSpec } from "../common/types.ts";
import { ConfigError } from "../common/errors.ts";
import type { ConfigVault } from "./config_file.ts";

/**
 * Splits a comma-separated list of names (`--vault a,b`, `--role r1,r2`): each trimmed, empty ones
 * dropped. The one rule for every such flag; names are compared case-insensitively by the callers.
 *
 * @example
 * ```ts
 * import { splitNames } from "./vault_selection.ts";
 *
 * splitNames(" ssn, Name,,"); // ["ssn", "Name"]
 * ```
 */
export function splitNames(list: string): string[] {
  return list.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Selects configured vaults by name, case-insensitively, keeping the config order. Every entry must
 * have a unique, non-empty name; the selected ones must also have an id and a column. The table
 * defaults to the column (Go loader layout).
 *
 * @param vaults `skyflow.vaults` as parsed.
 * @param selection `--vault` (`name[,name]`); `undefined` selects every vault.
 * @param file the config file, for messages.
 * @throws {ConfigError} on an empty vault list, a bad entry, or an unknown or empty selection.
 * @example
 * ```ts ignore
 * selectVaults(config.skyflow.vaults, "ssn,Name", "config.json").map((v) => v.name); // ["NAME", "SSN"]
 * ```
 */
export function selectVaults(
  vaults: ConfigVault[],
  selection: string | undefined,
  file: string,
): VaultSpec[] {
  if (vaults.length === 0) {
    throw new ConfigError(
      `${file}: skyflow.vaults is empty or missing (configure at least one vault; see config.example.json)`,
    );
  }
  const seen = new Map<string, number>();
  vaults.forEach((vault, i) => {
    if (vault.name.trim() === "") throw new ConfigError(`${file}: skyflow.vaults[${i}].name is empty`);
    const key = vault.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new ConfigError(
        `${file}: skyflow.vaults[${i}].name "${vault.name}" duplicates skyflow.vaults[${earlier}].name`,
      );
    }
    seen.set(key, i);
  });
  const known = vaults.map((v) => v.name).join(", ");
  let chosen = vaults.map((_, i) => i);
  if (selection !== undefined) {
    const wanted = splitNames(selection);
    if (wanted.length === 0) throw new ConfigError(`--vault is empty (configured: ${known})`);
    const unknown = wanted.filter((name) => !seen.has(name.toLowerCase()));
    if (unknown.length > 0) {
      const names = unknown.map((n) => `"${n}"`).join(", ");
      throw new ConfigError(
        `unknown vault${unknown.length > 1 ? "s" : ""} ${names} in --vault (configured: ${known})`,
      );
    }
    const picked = new Set(wanted.map((name) => seen.get(name.toLowerCase())!));
    chosen = chosen.filter((i) => picked.has(i));
  }
  return chosen.map((i) => toSpec(vaults[i], i, file));
}

function toSpec(vault: ConfigVault, i: number, file: string): VaultSpec {
  const where = `${file}: skyflow.vaults[${i}]`;
  for (const key of ["id", "column"] as const) {
    if (vault[key].trim() === "") throw new ConfigError(`${where}.${key} is empty (vault "${vault.name}")`);
  }
  if (vault.table !== undefined && vault.table.trim() === "") {
    throw new ConfigError(`${where}.table is empty (vault "${vault.name}"; omit it to use the column)`);
  }
  return {
    name: vault.name,
    id: vault.id.trim(),
    column: vault.column.trim(),
    table: (vault.table ?? vault.column).trim(),
  };
}
