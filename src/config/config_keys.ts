/**
 * The keys a config file may hold, so a misspelt one (`batchsize`, `max_record`) is named in a
 * warning with the nearest known key instead of being ignored without a word, as the Go loader did.
 *
 * @module
 */

type KeyTree = { [key: string]: KeyTree | true };

const QUERY: KeyTree = { table: true, value_column: true, token_column: true, sql: true };

/** Known keys; `*` stands for any key (a vault name under `snowflake.queries`). */
const KNOWN: KeyTree = {
  skyflow: {
    vault_url: true,
    bearer_token: true,
    vaults: { name: true, id: true, column: true, table: true },
    continue_on_error: true,
    byot_mode: true,
    credentials_file: true,
    roles: true,
  },
  snowflake: {
    user: true,
    password: true,
    authenticator: true,
    account: true,
    warehouse: true,
    database: true,
    schema: true,
    role: true,
    fetch_size: true,
    query_mode: true,
    access_url: true,
    private_key_path: true,
    private_key_passphrase: true,
    token: true,
    table: true,
    clm_table: true,
    mbr_table: true,
    union: { database: true, schema: true, clm_table: true, mbr_table: true, udf_prefix: true },
    queries: { "*": QUERY },
  },
  csv: { data_directory: true, file: true, value_column: true, token_column: true },
  performance: {
    batch_size: true,
    max_concurrency: true,
    max_records: true,
    append_suffix: true,
    base_delay_ms: true,
    upsert: true,
    max_attempts: true,
    request_timeout_ms: true,
    concurrency_auto: true,
    max_rps: true,
  },
  metrics: { addr: true, sample_interval_s: true },
};

/** An unknown key and the known key it most likely meant. */
export interface UnknownKey {
  /** Dotted path, e.g. `performance.batchsize` (array items as `skyflow.vaults[0].nmae`). */
  path: string;
  /** The nearest known key at the same place, when one is close. */
  suggestion?: string;
}

/**
 * Lists the keys of a parsed config file that byot does not know, with a suggestion each.
 * Values of the wrong shape are left to the field checks.
 *
 * @example
 * ```ts
 * unknownConfigKeys({ performance: { batchsize: 50 } });
 * // [{ path: "performance.batchsize", suggestion: "performance.batch_size" }]
 * ```
 */
export function unknownConfigKeys(json: unknown): UnknownKey[] {
  const out: UnknownKey[] = [];
  walk(json, KNOWN, "", out);
  return out;
}

/** The warning line for one unknown key of `file`. */
export function unknownKeyWarning(file: string, key: UnknownKey): string {
  const hint = key.suggestion ? ` (did you mean "${key.suggestion}"?)` : "";
  return `warning: ${file}: unknown key "${key.path}" is ignored${hint}`;
}

function walk(value: unknown, known: KeyTree, prefix: string, out: UnknownKey[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, known, `${prefix}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const rule = known[key] ?? known["*"];
    if (rule === undefined) {
      const near = nearest(key, Object.keys(known));
      out.push(near ? { path, suggestion: prefix ? `${prefix}.${near}` : near } : { path });
    } else if (rule !== true) walk(child, rule, path, out);
  }
}

function nearest(key: string, candidates: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll(/[-_ ]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = norm(candidate) === norm(key) ? 0 : distance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
