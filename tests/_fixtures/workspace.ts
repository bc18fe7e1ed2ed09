/**
 * End-to-end test fixture: a temp directory with generated CSV pairs, a config pointing at an
 * in-process simulator, a state file, and helpers to run byot's CLI in-process and to check the
 * simulator's contents record by record.
 *
 * @module
 */
import assert from "node:assert/strict";
import { main, type MainDeps } from "../../src/cli/main.ts";
import { captureIo } from "./io.ts";
import { generatedPair, generateFiles } from "../../src/sources/generator.ts";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../src/vault/simulator/mod.ts";

/** The four demo vaults, as configured. */
export const VAULTS = [
  { name: "NAME", id: "vault-name", column: "name" },
  { name: "ID", id: "vault-id", column: "id" },
  { name: "DOB", id: "vault-dob", column: "dob" },
  { name: "SSN", id: "vault-ssn", column: "ssn" },
];

/** Result of one in-process CLI run. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** A temp workspace with data, config and a running simulator. */
export interface Workspace {
  dir: string;
  dataDir: string;
  configPath: string;
  statePath: string;
  sim: Simulator;
  count: number;
  /** Runs `byot <args>` in-process with SKYFLOW_BEARER_TOKEN set. */
  byot(args: string[], options?: { env?: Record<string, string>; deps?: MainDeps }): Promise<CliRun>;
  /** `byot load --config <configPath> --state <statePath> ...args`. */
  load(args?: string[], options?: { env?: Record<string, string>; deps?: MainDeps }): Promise<CliRun>;
  /** Asserts the simulator holds exactly the expected pairs of `column` (rows `from`..`to`-1 minus `except`). */
  assertExact(column: string, options?: { from?: number; to?: number; except?: Set<number> }): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@linkcode workspace}. */
export interface WorkspaceOptions {
  /** Records per vault. @default 1000 */
  count?: number;
  /** Every Nth generated value carries the simulator's reject marker. @default 0 */
  rejectEvery?: number;
  /** Vault columns to generate. @default all four */
  columns?: string[];
  simulator?: SimulatorOptions;
  /** Extra config: merged into `performance`. */
  performance?: Record<string, unknown>;
}

/** Creates a workspace; dispose it with `await using`. */
export async function workspace(options: WorkspaceOptions = {}): Promise<Workspace> {
  const count = options.count ?? 1000;
  const dir = await Deno.makeTempDir({ prefix: "byot-test-" });
  const dataDir = `${dir}/data`;
  const columns = options.columns ?? VAULTS.map((v) => v.column);
  await generateFiles({ count, outDir: dataDir, seed: 1, vaults: columns, rejectEvery: options.rejectEvery });
  const sim = await startSimulator(options.simulator ?? {});
  const configPath = `${dir}/config.json`;
  const config = {
    skyflow: { vault_url: sim.url, vaults: VAULTS.filter((v) => columns.includes(v.column)) },
    csv: { data_directory: dataDir },
    performance: { batch_size: 50, max_concurrency: 4, ...options.performance },
  };
  await Deno.writeTextFile(configPath, JSON.stringify(config));
  const statePath = `${dir}/state.db`;
  const rejectEvery = options.rejectEvery ?? 0;
  const byot: Workspace["byot"] = async (args, opts = {}) => {
    const io = captureIo({ env: { SKYFLOW_BEARER_TOKEN: "test-token", ...opts.env } });
    const code = await main(args, io, opts.deps ?? {});
    return { code, out: io.out, err: io.err };
  };
  return {
    dir,
    dataDir,
    configPath,
    statePath,
    sim,
    count,
    byot,
    load: (args = [], opts) => byot(["load", "--config", configPath, "--state", statePath, ...args], opts),
    assertExact(column, o = {}) {
      const vault = VAULTS.find((v) => v.column === column)!;
      const stored = sim.store.pairs(vault.id, column, column);
      const expected = new Map<string, string>();
      for (let i = o.from ?? 0; i < (o.to ?? count); i++) {
        if (o.except?.has(i)) continue;
        const pair = generatedPair(column, i, { seed: 1, rejectEvery });
        expected.set(pair.value, pair.token);
      }
      const missing = [...expected].filter(([v, t]) => stored.get(v) !== t).length;
      const unexpected = [...stored].filter(([v, t]) => expected.get(v) !== t).length;
      assert.deepEqual({ missing, unexpected, size: stored.size }, {
        missing: 0,
        unexpected: 0,
        size: expected.size,
      });
      assert.equal(sim.stats.duplicateInserts, 0, "no record was inserted twice");
    },
    async [Symbol.asyncDispose]() {
      await sim.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Positions `i` in `[0, count)` whose generated value carries the reject marker. */
export function rejectedPositions(column: string, count: number, rejectEvery: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < count; i++) {
    if (generatedPair(column, i, { seed: 1, rejectEvery }).value.includes("__REJECT__")) out.add(i);
  }
  return out;
}
