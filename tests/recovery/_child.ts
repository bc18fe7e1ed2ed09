/**
 * Runs byot as a REAL child process (`deno run -A main.ts ...`), so it can be killed with SIGKILL or
 * kill itself at a crash point, and checks a workspace's ledger once the child is gone.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Ledger } from "../../src/ledger/mod.ts";

/** The repository root (holds `main.ts` and `deno.json`). */
export const REPO_ROOT: string = new URL("../..", import.meta.url).pathname;

/** How a child ended. */
export interface ChildResult {
  /** Exit code (128 + n when killed by signal n). */
  code: number;
  /** The signal that killed it, if any. */
  signal: Deno.Signal | null;
  /** Everything it wrote to stdout. */
  out: string;
  /** Everything it wrote to stderr. */
  err: string;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
}

/** A running byot child. */
export interface ByotChild {
  /** Resolves when the child exited and its output is read. */
  readonly done: Promise<ChildResult>;
  /** Resolves once stderr contains text matching `pattern`; `false` if the child exits first. */
  waitFor(pattern: RegExp): Promise<boolean>;
  /** Sends SIGKILL (no effect once it exited). */
  kill(): void;
}

/** Options of {@linkcode spawnByot}. */
export interface SpawnByotOptions {
  /** Extra environment. `BYOT_CRASH_AT` is cleared unless set here. @default {} */
  env?: Record<string, string>;
  /** Working directory (where the default ledger `./byot-state.db` goes). @default the repo root */
  cwd?: string;
}

/** Starts `deno run -A main.ts <args>` in the repo root with `SKYFLOW_BEARER_TOKEN` set. */
export function spawnByot(args: string[], options: SpawnByotOptions = {}): ByotChild {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "--config", `${REPO_ROOT}deno.json`, `${REPO_ROOT}main.ts`, ...args],
    cwd: options.cwd ?? REPO_ROOT,
    env: { SKYFLOW_BEARER_TOKEN: "test-token", NO_COLOR: "1", BYOT_CRASH_AT: "", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  let exited = false;
  const waiters: { pattern: RegExp; resolve: (hit: boolean) => void }[] = [];
  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (exited || waiters[i].pattern.test(err)) waiters.splice(i, 1)[0].resolve(!exited);
    }
  };
  const readErr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      err += decoder.decode(chunk, { stream: true });
      settleWaiters();
    }
  })();
  const readOut = new Response(child.stdout).text();
  const done = (async (): Promise<ChildResult> => {
    const [status, out] = await Promise.all([child.status, readOut, readErr]).then(([s, o]) =>
      [s, o] as const
    );
    exited = true;
    settleWaiters();
    return {
      code: status.code,
      signal: status.signal,
      out,
      err,
      ms: Math.round(performance.now() - started),
    };
  })();
  return {
    done,
    waitFor(pattern) {
      if (pattern.test(err)) return Promise.resolve(true);
      if (exited) return Promise.resolve(false);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    kill() {
      if (exited) return;
      try {
        child.kill("SIGKILL");
      } catch {
        // it exited between the check and the kill
      }
    },
  };
}

/** Runs byot to its end. */
export function runByot(args: string[], options: SpawnByotOptions = {}): Promise<ChildResult> {
  return spawnByot(args, options).done;
}

/** Asserts the child died by SIGKILL (signal, or exit code 137). */
export function assertKilled(result: ChildResult, what: string): void {
  assert.ok(
    result.signal === "SIGKILL" || result.code === 137,
    `${what}: expected death by SIGKILL, got code ${result.code} signal ${result.signal}\n${result.err}`,
  );
}

/** What {@linkcode assertLedger} expects of one vault. */
export interface ExpectedVault {
  /** Vault name. */
  vault: string;
  /** Rows of the source. */
  rows: number;
  /** Positions that must be stored as failures (and nothing else). */
  failed: ReadonlySet<number>;
}

/**
 * Opens the state file (the child must have exited) and asserts: one run, finished; per vault every
 * batch settled, read = loaded + failed + skipped = rows, failed = the expected set exactly, and the
 * resume point's counts agree; `PRAGMA integrity_check` is ok.
 */
export function assertLedger(statePath: string, vaults: readonly ExpectedVault[]): void {
  const ledger = Ledger.open(statePath);
  try {
    assert.equal(ledger.integrityCheck(), "ok");
    const runs = ledger.listRuns();
    assert.equal(runs.length, 1, "one run, resumed every time");
    const run = runs[0];
    assert.equal(run.status, "finished");
    const summaries = new Map(ledger.runSummary(run.id).map((s) => [s.vault, s]));
    for (const v of vaults) {
      const s = summaries.get(v.vault);
      assert.ok(s, `vault ${v.vault} has a summary`);
      const counts = { read: s.read, sum: s.loaded + s.failed + s.skipped, failed: s.failed };
      assert.deepEqual(counts, { read: v.rows, sum: v.rows, failed: v.failed.size }, `counts of ${v.vault}`);
      assert.deepEqual(
        { pending: s.pendingBatches, inFlight: s.inFlightBatches },
        { pending: 0, inFlight: 0 },
        `every batch of ${v.vault} is settled`,
      );
      const c = ledger.resumePoint(run.id, v.vault).counts;
      assert.deepEqual([c.read, c.loaded, c.failed, c.skipped], [s.read, s.loaded, s.failed, s.skipped]);
      const positions = [...ledger.eachFailure({ runId: run.id, vault: v.vault })].map((f) => f.position);
      assert.deepEqual(positions, [...v.failed].sort((a, b) => a - b), `stored failures of ${v.vault}`);
    }
  } finally {
    ledger.close();
  }
}
