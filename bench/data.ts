/**
 * Benchmark data and config: one generated vault (`name`, values like `MARY SMITH 00000001`,
 * 36-char UUID-shaped tokens, the legacy baseline's data shape) per record count, generated once
 * into a cache directory and reused by every scenario of that size.
 *
 * @module
 */
import { join } from "node:path";
import { denoRunArgs } from "../src/cli/shared/runtime.ts";
import { MAIN_TS } from "./byot.ts";
import { runChild } from "./children.ts";

/** The vault every scenario loads: config name, vault id, column. */
export const BENCH_VAULT = { name: "NAME", id: "vname", column: "name" } as const;

/** The default cache directory of generated data. */
export function defaultDataRoot(): string {
  return join(Deno.env.get("TMPDIR") ?? "/tmp", "byot-bench-data");
}

/** The `byot generate` argument list (after `main.ts`) for `count` records into `dir`. */
export function generateArgv(count: number, dir: string): string[] {
  return ["generate", String(count), "--out", dir, "--vault", BENCH_VAULT.column, "--seed", "1"];
}

/**
 * The directory holding `name_data.csv` and `name_tokens.csv` with `count` rows, generating them
 * when the cache does not have them complete yet.
 *
 * @example
 * ```ts
 * const dir = await ensureData("/tmp/byot-bench-data", 1_000_000, (line) => log(line));
 * ```
 */
export async function ensureData(
  root: string,
  count: number,
  log: (line: string) => void,
): Promise<string> {
  const dir = join(root, `name-${count}`);
  const marker = join(dir, ".complete");
  try {
    if ((await Deno.readTextFile(marker)).trim() === String(count)) return dir;
  } catch {
    // not cached yet
  }
  log(`generating ${count.toLocaleString("en-US")} records into ${dir}`);
  await Deno.mkdir(dir, { recursive: true });
  const end = await runChild({ args: [...denoRunArgs(MAIN_TS), ...generateArgv(count, dir)] }, 600_000);
  if (end.code !== 0) throw new Error(`byot generate failed (exit ${end.code}): ${end.stderrTail}`);
  await Deno.writeTextFile(marker, `${count}\n`);
  return dir;
}

/** The config JSON the benchmark writes (the vault URL is passed with `--vault-url`). */
export function benchConfig(dataDir: string): Record<string, unknown> {
  return {
    skyflow: { vault_url: "http://127.0.0.1:9", vaults: [{ ...BENCH_VAULT }] },
    csv: { data_directory: dataDir },
    performance: { batch_size: 300, max_concurrency: 32 },
  };
}

/**
 * Writes the config for `dataDir` into `workDir` and returns its path.
 *
 * @example
 * ```ts
 * const config = await writeConfig(workDir, dataDir, "a");
 * ```
 */
export async function writeConfig(workDir: string, dataDir: string, tag: string): Promise<string> {
  const path = join(workDir, `config-${tag}.json`);
  await Deno.writeTextFile(path, JSON.stringify(benchConfig(dataDir), null, 2) + "\n");
  return path;
}
